"""Gradebook: a small Flask grade tracker on Postgres, with a Redis cache for course averages."""

from __future__ import annotations

import logging
import os
import sys

from flask import Flask
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from gradebook.api import api
from gradebook.db import DatabaseNotConfigured
from gradebook.probes import probes

log = logging.getLogger(__name__)


def create_app() -> Flask:
    """Build the WSGI app. Connects to nothing, so it starts (and /health answers) with no database configured."""
    _configure_logging()
    app = Flask(__name__)
    app.register_blueprint(probes)
    app.register_blueprint(api, url_prefix="/api")
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DatabaseNotConfigured, _database_not_configured)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    return app


def _configure_logging() -> None:
    level_name = os.environ.get("LOG_LEVEL", "INFO").upper()
    # A typo in LOG_LEVEL should cost verbosity, not a worker that crashes at import.
    level = logging.getLevelNamesMapping().get(level_name, logging.INFO)
    # basicConfig is a no-op when a handler is already installed, so a host's own logging setup wins.
    logging.basicConfig(stream=sys.stdout, level=level, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    # JSON errors for a JSON API, instead of Werkzeug's HTML pages.
    return {"error": exc.description}, exc.code or 500


def _database_not_configured(exc: DatabaseNotConfigured) -> ResponseReturnValue:
    log.error("database is not configured: %s", exc)
    return {"error": f"database is not configured: {exc}"}, 503


def _database_unavailable(exc: OperationalError | PoolTimeout) -> ResponseReturnValue:
    # Unreachable server or every pooled connection busy: both pass, so 503 tells clients to retry.
    log.error("database is unavailable: %s", str(exc).splitlines()[0])
    return {"error": "database is unavailable, try again shortly"}, 503
