"""Ledger: account entries in an external Postgres reached through a transaction-mode pooler (Supabase style)."""

import os

from flask import Flask, request
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError


def engine_for(url: str, **pool: int):
    """psycopg 3 for a plain Postgres URL (platforms hand out postgres://, which SQLAlchemy refuses)."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url.removeprefix(scheme)
    # A transaction-mode pooler hands each transaction to any server connection, so no prepared statements;
    # a short connect timeout keeps readiness answering while the database is away.
    return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None, "connect_timeout": 3},
                         **pool)


engine = engine_for(os.environ["DATABASE_URL"], pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
                    max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "10")), pool_timeout=5)
app = Flask(__name__)


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/ready")
def ready():
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"status": "not ready", "error": str(exc).splitlines()[0][:200]}, 503
    return {"status": "ready"}


@app.post("/api/entries")
def add_entry():
    body = request.get_json(silent=True) or {}
    entry = {"account": str(body.get("account", "")), "amount_cents": int(body.get("amount_cents", 0))}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO entries (account, amount_cents) VALUES (:account, :amount_cents)"), entry)
    return entry, 201


@app.get("/api/accounts/<account>")
def balance(account: str):
    with engine.connect() as conn:
        total = conn.execute(text("SELECT coalesce(sum(amount_cents), 0) FROM entries WHERE account = :a"),
                             {"a": account}).scalar_one()
    return {"account": account, "balance_cents": int(total)}
