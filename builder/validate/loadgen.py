"""A bounded load generator on httpx: N asyncio clients send requests in turn until a deadline, a request count or a
stop event, whichever comes first. Every request becomes an Outcome (its start, duration, status or why there was
none); nothing raises for an HTTP status or a dropped connection."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from builder.plan import SmokePlan

MAX_REQUESTS = 100_000  # a hard bound beside the deadline, whatever the concurrency
REQUEST_TIMEOUT = 10.0
REFUSED_PAUSE = 0.05  # after a refused connection, so a stopped server is not asked thousands of times a second


@dataclass(frozen=True)
class Outcome:
    """One request: when it was sent (monotonic clock), how long it took, and the status or why none came."""

    started: float
    seconds: float
    status: int | None
    error: str  # "" when answered; refused | timeout | dropped | another httpx error's name
    expected: int
    sent: float | None = None  # when the whole request was on the wire; None if it never got that far

    @property
    def reached(self) -> float:
        """When the server could first have seen it: once sent, else when it was begun."""
        return self.sent if self.sent is not None else self.started

    @property
    def ok(self) -> bool:
        return self.status == self.expected

    @property
    def kind(self) -> str:
        return str(self.status) if self.status is not None else f"no answer ({self.error})"

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass(frozen=True)
class Traffic:
    """What to send, to where, how many at once, and for how long at most."""

    base_url: str
    requests: list[SmokePlan]
    concurrency: int
    seconds: float
    max_requests: int = MAX_REQUESTS
    timeout: float = REQUEST_TIMEOUT
    stop: threading.Event = field(default_factory=threading.Event)  # set it to end the load early
    host: str | None = None  # the Host header, when the app checks it (Django's ALLOWED_HOSTS)


def send_load(traffic: Traffic) -> list[Outcome]:
    """Run the load to its end (the deadline, the count or `stop`); requests in flight then are waited for."""
    return asyncio.run(_load(traffic))


async def _load(traffic: Traffic) -> list[Outcome]:
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + traffic.seconds
    turns = itertools.count()
    limits = httpx.Limits(max_connections=traffic.concurrency, max_keepalive_connections=traffic.concurrency)
    async with httpx.AsyncClient(base_url=traffic.base_url, timeout=traffic.timeout, limits=limits,
                                 headers=_host_header(traffic.host)) as client:

        async def one_client() -> None:
            while time.monotonic() < deadline and not traffic.stop.is_set():
                turn = next(turns)
                if turn >= traffic.max_requests:
                    return
                outcome = await send_one(client, traffic.requests[turn % len(traffic.requests)])
                outcomes.append(outcome)
                if outcome.error == "refused":
                    await asyncio.sleep(REFUSED_PAUSE)

        await asyncio.gather(*(one_client() for _ in range(traffic.concurrency)))
    return outcomes


async def send_one(client: httpx.AsyncClient, request: SmokePlan, *, timeout: float | None = None) -> Outcome:
    """One request; a refused, reset or timed-out connection is an Outcome with no status."""
    sent: list[float] = []

    async def trace(event: str, _info: dict[str, Any]) -> None:
        # A coroutine begun before a moment may write its bytes after it, when the event loop is busy.
        if event == "http11.send_request_body.complete":
            sent.append(time.monotonic())

    started = time.monotonic()
    extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    try:
        response = await client.request(request.method, request.path, json=request.json_body,
                                        extensions={"trace": trace}, **extra)
    except httpx.HTTPError as exc:
        return Outcome(started, time.monotonic() - started, None, _why(exc), request.status, _first(sent))
    return Outcome(started, time.monotonic() - started, response.status_code, "", request.status, _first(sent))


def _host_header(host: str | None) -> dict[str, str]:
    return {"Host": host} if host else {}


def _first(times: list[float]) -> float | None:
    return times[0] if times else None


def send_alone(base_url: str, request: SmokePlan, *, timeout: float, host: str | None = None) -> Outcome:
    """One request on its own client, e.g. from a thread beside a load."""

    async def run() -> Outcome:
        async with httpx.AsyncClient(base_url=base_url, headers=_host_header(host)) as client:
            return await send_one(client, request, timeout=timeout)

    return asyncio.run(run())


def _why(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "dropped"
    return type(exc).__name__


@dataclass(frozen=True)
class LoadSummary:
    """The figures of one load: throughput, latency percentiles, and the failed requests by what they got."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int]

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def describe(self) -> str:
        errors = ", ".join(f"{count} x {kind}" for kind, count in sorted(self.errors.items())) or "0 errors"
        return (f"{self.requests} requests in {self.seconds:.1f} s: {self.requests_per_s:.0f}/s, "
                f"p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms, p99 {self.p99_ms:.0f} ms; {errors}")


def summarize(outcomes: list[Outcome]) -> LoadSummary:
    """Percentiles over every request, answered or not; the span from the first send to the last answer."""
    if not outcomes:
        return LoadSummary(0, 0.0, 0.0, 0.0, 0.0, 0.0, {})
    span = max(o.ended for o in outcomes) - min(o.started for o in outcomes)
    p50, p95, p99 = _percentiles([o.seconds * 1000 for o in outcomes])
    errors = Counter(o.kind for o in outcomes if not o.ok)
    return LoadSummary(len(outcomes), round(span, 2), round(len(outcomes) / span if span else 0.0, 1),
                       p50, p95, p99, dict(errors))


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 1), round(cuts[94], 1), round(cuts[98], 1)
