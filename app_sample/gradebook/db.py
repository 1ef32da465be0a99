"""Database settings from the environment and a lazily created SQLAlchemy engine."""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from gradebook.lazy import Lazy

CONNECT_TIMEOUT_SECONDS = 3
# A request waiting this long for a pooled connection fails fast instead of running into gunicorn's worker timeout.
POOL_TIMEOUT_SECONDS = 5
_PSYCOPG_SCHEME = "postgresql+psycopg://"
# Hosting platforms hand out `postgres://`, which SQLAlchemy rejects, and bare `postgresql://` means psycopg2 to it.
_PLAIN_SCHEMES = ("postgres://", "postgresql://")


class DatabaseNotConfigured(RuntimeError):
    """DATABASE_URL is missing or a DB_* setting is malformed; raised on use, never at import."""


def normalise_database_url(url: str) -> str:
    """Point plain Postgres URLs at the psycopg 3 driver; leave any other URL as it is."""
    for scheme in _PLAIN_SCHEMES:
        if url.startswith(scheme):
            return _PSYCOPG_SCHEME + url.removeprefix(scheme)
    return url


def database_url() -> str:
    """The normalised DATABASE_URL, or DatabaseNotConfigured when it is not set."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise DatabaseNotConfigured("DATABASE_URL is not set")
    return normalise_database_url(url)


def connect_args() -> dict[str, int]:
    """Driver options shared by the app and migrations: never wait long for an unreachable server."""
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise DatabaseNotConfigured(f"{name} must be a whole number, got {raw!r}") from None


def _build_engine() -> Engine:
    return create_engine(
        database_url(),
        pool_size=_env_int("DB_POOL_SIZE", 5),
        max_overflow=_env_int("DB_MAX_OVERFLOW", 2),
        pool_timeout=POOL_TIMEOUT_SECONDS,
        # Managed Postgres and proxies drop idle connections; check before handing one out.
        pool_pre_ping=True,
        connect_args=connect_args(),
    )


_engine = Lazy(_build_engine)


def new_session() -> Session:
    """A new ORM session on the process-wide engine; use it as a context manager."""
    # Rows are serialised after commit; expiring them would cost one SELECT each.
    return Session(_engine.get(), expire_on_commit=False)


def ping() -> None:
    """Run SELECT 1; raises when the database is not configured or not reachable."""
    with _engine.get().connect() as connection:
        connection.execute(text("SELECT 1"))
