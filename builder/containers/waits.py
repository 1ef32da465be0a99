"""Waiting on a container: for it to exit, for Docker's HEALTHCHECK to settle."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

POLL_SECONDS = 0.2
NANOSECONDS = 1e9
STOPPED = ("exited", "dead")


def exited(container: Any) -> bool:
    """Whether the container has stopped, asked of the engine now."""
    container.reload()
    return str(container.status) in STOPPED


def wait_for_exit(container: Any, *, timeout: float) -> int | None:
    """The exit code once the container stops, or None if it still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if exited(container):
            return int(container.attrs["State"]["ExitCode"])
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)


def healthcheck_of(container: Any) -> dict[str, Any]:
    """The image's HEALTHCHECK as the engine holds it (nanosecond durations); empty when it has none."""
    probe: dict[str, Any] = container.attrs["Config"].get("Healthcheck") or {}
    return probe if probe.get("Test") and probe["Test"][0] != "NONE" else {}


def health_budget(probe: dict[str, Any]) -> float:
    """The longest a healthy app can take to show it: start period, then every retry at full timeout."""
    start = probe.get("StartPeriod", 0) / NANOSECONDS
    interval = (probe.get("Interval") or 30 * NANOSECONDS) / NANOSECONDS
    timeout = (probe.get("Timeout") or 30 * NANOSECONDS) / NANOSECONDS
    return float(start + (probe.get("Retries") or 3) * (interval + timeout) + interval)


@dataclass(frozen=True)
class Health:
    """Where Docker's health status settled: healthy, unhealthy, none (no HEALTHCHECK), starting (time ran out),
    or exited, with the exit code."""

    status: str
    exit_code: int | None = None


def wait_for_health(container: Any, *, timeout: float) -> Health:
    """The health status once it settles, or as it stands after `timeout` seconds; exited if the container stopped."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        state = container.attrs["State"]
        if state["Status"] in STOPPED:
            return Health("exited", int(state["ExitCode"]))
        status = state.get("Health", {}).get("Status", "none")
        if status in ("healthy", "unhealthy", "none") or time.monotonic() >= deadline:
            return Health(status)
        time.sleep(POLL_SECONDS)
