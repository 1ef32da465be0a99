"""Trace the files and modules an app really uses, and prove an image holding only those behaves the same."""
