"""Alembic's environment: migrations take MIGRATIONS_DATABASE_URL, the pooler's session mode (DDL and advisory
locks need one server connection throughout), not the app's transaction-mode URL."""

import os

from alembic import context
from sqlalchemy.pool import NullPool

from ledger.wsgi import engine_for

engine = engine_for(os.environ["MIGRATIONS_DATABASE_URL"], poolclass=NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
