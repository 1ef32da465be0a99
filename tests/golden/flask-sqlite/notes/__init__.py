"""Notes: a Flask app keeping its rows in a SQLite file under a writable data directory."""

import os
import sqlite3

from flask import Flask, jsonify, request


def _connect() -> sqlite3.Connection:
    return sqlite3.connect(os.environ["NOTES_DB"], timeout=5)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/ready")
    def ready():
        try:
            with _connect() as db:
                db.execute("SELECT count(*) FROM notes").fetchone()
        except sqlite3.Error as exc:
            return {"status": "not ready", "error": str(exc)}, 503
        return {"status": "ready"}

    @app.post("/api/notes")
    def add_note():
        text = (request.get_json(silent=True) or {}).get("text", "")
        with _connect() as db:
            cursor = db.execute("INSERT INTO notes (text) VALUES (?)", (text,))
        return {"id": cursor.lastrowid, "text": text}, 201

    @app.get("/api/notes")
    def list_notes():
        with _connect() as db:
            rows = db.execute("SELECT id, text FROM notes ORDER BY id").fetchall()
        return jsonify([{"id": i, "text": t} for i, t in rows])

    return app
