"""Shop: a product list in Postgres, the listing cached in Redis (an LRU cache: losing it costs only speed).

Under gevent workers: psycopg 3 (3.1.14 on) and redis-py yield to other greenlets while they wait on the network.
"""

import json
import os

import click
import psycopg
import redis
from flask import Flask, request

TIMEOUT_SECONDS = 3  # every network wait is bounded, so a dead dependency makes a probe fail, not hang
LISTING_KEY = "shop:products"
SCHEMA = "CREATE TABLE IF NOT EXISTS products (id serial PRIMARY KEY, name text NOT NULL, price_cents int NOT NULL)"

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
cache = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=TIMEOUT_SECONDS,
                             socket_connect_timeout=TIMEOUT_SECONDS)


def database() -> psycopg.Connection:
    return psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=TIMEOUT_SECONDS)


def cached(call, *args):
    """A cache command whose failure is a miss: requests keep working while Redis is away (readiness says so)."""
    try:
        return call(*args)
    except redis.RedisError as exc:
        app.logger.warning("cache unavailable: %s", exc)
        return None


@app.cli.group()
def db() -> None:
    """Schema commands."""


@db.command()
def upgrade() -> None:
    """Create the tables the app needs; safe to run on every deploy."""
    with database() as conn:
        conn.execute(SCHEMA)
    click.echo("schema up to date")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/readyz")
def readyz():
    try:
        with database() as conn:
            conn.execute("SELECT 1")
        cache.ping()
    except (psycopg.Error, redis.RedisError) as exc:
        return {"status": "not ready", "error": str(exc).splitlines()[0][:200]}, 503
    return {"status": "ready"}


@app.post("/api/products")
def add_product():
    body = request.get_json(silent=True) or {}
    with database() as conn:
        row = conn.execute("INSERT INTO products (name, price_cents) VALUES (%s, %s) RETURNING id",
                           (str(body.get("name", "")), int(body.get("price_cents", 0)))).fetchone()
    cached(cache.delete, LISTING_KEY)
    return {"id": row[0], "name": body.get("name", "")}, 201


@app.get("/api/products")
def list_products():
    hit = cached(cache.get, LISTING_KEY)
    if hit is not None:
        return app.response_class(hit, mimetype="application/json")
    with database() as conn:
        rows = conn.execute("SELECT id, name, price_cents FROM products ORDER BY id").fetchall()
    listing = json.dumps([{"id": i, "name": n, "price_cents": p} for i, n, p in rows])
    cached(cache.set, LISTING_KEY, listing, 60)
    return app.response_class(listing, mimetype="application/json")
