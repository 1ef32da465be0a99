"""builder: slim, non-root, health-checked images for Python web apps, from one small spec."""

__version__ = "0.1.0"
