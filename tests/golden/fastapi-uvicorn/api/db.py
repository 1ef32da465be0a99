"""The database: DATABASE_URL from the platform, spoken to through asyncpg."""

import os

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def database_url() -> str:
    """Platforms hand out postgres:// or postgresql:// URLs; SQLAlchemy needs the async driver named."""
    url = os.environ["DATABASE_URL"]
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+asyncpg://" + url.removeprefix(scheme)
    return url


def make_engine() -> AsyncEngine:
    # pre_ping: connections pooled before a database restart are replaced, not handed to a request.
    # timeout: an unreachable server fails a request (and readiness) in 3 s rather than hanging it.
    return create_async_engine(database_url(), pool_pre_ping=True, connect_args={"timeout": 3})
