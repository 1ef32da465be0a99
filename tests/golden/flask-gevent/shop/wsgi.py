from shop.app import app  # noqa: F401
