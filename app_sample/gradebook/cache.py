"""Best-effort Redis cache: a failed read is a miss and a failed write is skipped, both logged, never raised."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gradebook.lazy import Lazy

# Short enough that a dead or unreachable Redis slows a request by about a second, not a gunicorn timeout.
SOCKET_TIMEOUT_SECONDS = 1.0

log = logging.getLogger(__name__)
T = TypeVar("T")


class RedisNotConfigured(RuntimeError):
    """REDIS_URL is missing; raised on use, never at import."""


def _build_client() -> redis.Redis:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        raise RedisNotConfigured("REDIS_URL is not set")
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        # redis-py retries with backoff by default, which turns one dead Redis into several seconds per call.
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
    )


_client = Lazy(_build_client)


def _best_effort(action: str, operation: Callable[[redis.Redis], T]) -> T | None:
    try:
        return operation(_client.get())
    except (redis.RedisError, RedisNotConfigured) as exc:
        log.warning("cache %s failed, carrying on without the cache: %s", action, exc)
        return None


def get_json(key: str) -> Any:
    """The cached value for key, or None on a miss or when Redis is unavailable."""
    raw = _best_effort(f"read of {key}", lambda client: client.get(key))
    return None if raw is None else json.loads(raw)


def set_json(key: str, value: Any, *, ttl_seconds: int) -> None:
    """Cache value as JSON for ttl_seconds, if Redis is available."""
    _best_effort(f"write of {key}", lambda client: client.set(key, json.dumps(value), ex=ttl_seconds))


def delete(key: str) -> None:
    """Drop key from the cache, if Redis is available."""
    _best_effort(f"delete of {key}", lambda client: client.delete(key))


def ping() -> None:
    """PING Redis; raises when it is not configured or not reachable (readiness wants the reason)."""
    _client.get().ping()
