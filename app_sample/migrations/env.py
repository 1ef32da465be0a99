"""Alembic environment: migrate the Postgres database named by DATABASE_URL (online mode only)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from gradebook.db import DatabaseNotConfigured, connect_args, database_url
from gradebook.models import Base
from sqlalchemy import Connection, create_engine, pool, text
from sqlalchemy.exc import OperationalError

# Any fixed number serves; every replica running the release command must use the same one.
MIGRATION_LOCK_ID = 0x6772_6164  # "grad"


def run_migrations(connection: Connection) -> None:
    """Apply pending migrations in one transaction, one release at a time."""
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        # Replicas released together would each see the same old version; the lock makes the later ones no-ops.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


def run_migrations_online() -> None:
    """Connect with the app's URL normalisation and timeouts; turn setup failures into one-line errors."""
    try:
        url = database_url()
    except DatabaseNotConfigured as exc:
        raise CommandError(f"{exc}: set it to the Postgres database to migrate") from None
    # NullPool: a one-shot command has no use for pooled connections.
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args())
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    except OperationalError as exc:
        raise CommandError(f"cannot reach the database: {exc.orig}") from exc
    finally:
        engine.dispose()


if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)
if context.is_offline_mode():
    raise CommandError("offline (--sql) mode is not supported; run against a database with DATABASE_URL set")
run_migrations_online()
