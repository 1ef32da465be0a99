"""A value built on first use, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """Build a value on first use so the app imports and starts with no backing service configured.

    Building after import also means each gunicorn worker gets its own connection pool after the fork.
    A build that raises is not remembered, so a fixed configuration is picked up by the next call.
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        # gthread workers serve requests on several threads; without the lock two could build two pools.
        self._lock = threading.Lock()

    def get(self) -> T:
        """Return the value, building it on the first call."""
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value
