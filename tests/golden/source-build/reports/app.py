"""Reports: rows in Postgres through psycopg2 (built from source against libpq), labels translated by Flask-Babel
from catalogs compiled at build time (`pybabel compile`)."""

import os

import click
import psycopg2
from flask import Flask, request
from flask_babel import Babel, gettext

SCHEMA = "CREATE TABLE IF NOT EXISTS reports (id serial PRIMARY KEY, title text NOT NULL)"

app = Flask(__name__)  # translations/ beside this file is Flask-Babel's default catalog directory
# The language is the first path segment (/de/api/reports); plain /api/reports is English.
Babel(app, locale_selector=lambda: (request.view_args or {}).get("lang", "en"))


def database():
    # Bounded, so readiness answers 503 during an outage instead of hanging into gunicorn's timeout.
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=3)


def run(sql: str, params: tuple = ()) -> list[tuple]:
    conn = database()
    try:
        with conn, conn.cursor() as cursor:  # `with conn` commits, or rolls back on an error
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        conn.close()  # psycopg2's `with conn` ends the transaction but keeps the connection open


@app.cli.group()
def db() -> None:
    """Schema commands."""


@db.command()
def upgrade() -> None:
    """Create the tables the app needs; safe to run on every deploy."""
    run(SCHEMA)
    click.echo("schema up to date")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/ready")
def ready():
    try:
        run("SELECT 1")
    except psycopg2.Error as exc:
        return {"status": "not ready", "error": str(exc).splitlines()[0][:200]}, 503
    return {"status": "ready"}


@app.post("/api/reports")
def add_report():
    title = str((request.get_json(silent=True) or {}).get("title", ""))
    (report_id,), = run("INSERT INTO reports (title) VALUES (%s) RETURNING id", (title,))
    return {"id": report_id, "title": title}, 201


@app.get("/api/reports")
@app.get("/<lang>/api/reports")
def list_reports(lang: str = "en"):
    rows = run("SELECT id, title FROM reports ORDER BY id")
    return [{"id": i, "title": t, "kind": gettext("Report")} for i, t in rows]
