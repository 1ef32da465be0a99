"""Alembic's environment: migrations run online, over the same asyncpg URL the app uses."""

import asyncio

from alembic import context
from api.db import make_engine


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = make_engine()
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
    await engine.dispose()


asyncio.run(_run())
