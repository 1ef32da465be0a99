from reports.app import app  # noqa: F401
