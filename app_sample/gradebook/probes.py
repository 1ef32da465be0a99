"""Liveness and readiness probes for the container platform."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint
from flask.typing import ResponseReturnValue

from gradebook import cache, db

REASON_MAX_LENGTH = 200

log = logging.getLogger(__name__)
probes = Blueprint("probes", __name__)


@probes.get("/health")
def health() -> ResponseReturnValue:
    """Liveness: the process answers. Touches no dependency, so a database outage never restarts the app."""
    return {"status": "ok"}


@probes.get("/ready")
def ready() -> ResponseReturnValue:
    """Readiness: Postgres answers SELECT 1 and Redis answers PING; 503 names what failed and why."""
    # Side by side, so two hung dependencies cost the longest timeout (3 s), not the sum.
    with ThreadPoolExecutor(max_workers=2) as pool:
        database = pool.submit(_check, "database", db.ping)
        redis = pool.submit(_check, "redis", cache.ping)
        checks = {"database": database.result(), "redis": redis.result()}
    is_ready = all(result == "ok" for result in checks.values())
    return {"status": "ready" if is_ready else "not ready", **checks}, 200 if is_ready else 503


def _check(name: str, probe: Callable[[], None]) -> str:
    # Any failure, whatever its type, means "not ready"; the probe must answer, not raise into a 500.
    try:
        probe()
    except Exception as exc:
        log.warning("readiness check %s failed: %s", name, exc)
        return _reason(exc)
    return "ok"


def _reason(exc: Exception) -> str:
    # SQLAlchemy appends a background link on later lines; the first line says what went wrong.
    lines = str(exc).strip().splitlines()
    first_line = lines[0] if lines else type(exc).__name__
    return first_line[:REASON_MAX_LENGTH]
