"""Measurement, budgets, history and reports: Image --measure--> Report, shown as a table, JSON, Markdown or HTML."""
