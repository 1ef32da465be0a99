"""The checks on a running app container. Each returns a Check; a failure is data, never an exception."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from builder.containers import (
    FULL_LOG,
    HTTP_TIMEOUT,
    HttpAnswer,
    health_budget,
    healthcheck_of,
    http_request,
    log_tail,
    poll,
    telling_line,
    wait_for_exit,
    wait_for_health,
)
from builder.plan import SmokePlan
from builder.validate.report import Check

OUTAGE_TIMEOUT = 20.0  # how long readiness may take to notice a dependency is gone
RECOVERY_TIMEOUT = 60.0  # how long readiness may take to come back once the dependency is up again
SIGTERM_MARGIN = 5.0  # past graceful_timeout, how long to wait before giving up and killing


@dataclass(frozen=True)
class RunningApp:
    """The app container (a docker SDK container) and where the host reaches it."""

    docker: Any
    base_url: str
    port: int
    host: str | None = None  # the Host header builder's requests carry (the framework's probe host)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def ask(self, path: str, *, method: str = "GET", json_body: Any = None) -> HttpAnswer:
        return http_request(self.url(path), method=method, json_body=json_body, host=self.host)

    def poll(self, path: str, *, timeout: float, until_ok: bool = True,
             accept: Callable[[HttpAnswer], bool] | None = None) -> tuple[HttpAnswer, float]:
        return poll(self.url(path), until_ok=until_ok, timeout=timeout, host=self.host, accept=accept)


def startup_checks(app: RunningApp) -> list[Check]:
    """`app starts` (the container keeps running) and `healthcheck healthy` (Docker's own HEALTHCHECK), timed."""
    started = time.monotonic()
    probe = healthcheck_of(app.docker)
    budget = health_budget(probe)
    health = wait_for_health(app.docker, timeout=budget)
    seconds = time.monotonic() - started
    expected_health = f"Docker HEALTHCHECK status `healthy` within {budget:.0f} s"
    if health.exit_code is not None:
        seen = f"exited with code {health.exit_code}: {telling_line(log_tail(app.docker, FULL_LOG))}"
        return [Check("app starts", False, "the container keeps running", seen, seconds),
                Check("healthcheck healthy", False, expected_health, "not run: the app is not running", skipped=True)]
    start = Check("app starts", True, "the container keeps running", "running")
    if not probe:
        return [start, Check("healthcheck healthy", False, expected_health, "the image has no HEALTHCHECK")]
    healthy = health.status == "healthy"
    return [start, Check("healthcheck healthy", healthy, expected_health, f"`{health.status}`", seconds)]


def user_check(app: RunningApp, *, uid: int, gid: int, python: str) -> Check:
    """The image's USER is numeric and non-root, and PID 1 really runs as the plan's uid and gid."""
    expected = f"PID 1 runs as uid {uid} gid {gid}; image USER numeric and non-root"
    image_user = str(app.docker.attrs["Config"].get("User") or "")
    result = app.docker.exec_run([python, "-c", "print(open('/proc/1/status').read())"])
    status = result.output.decode(errors="replace")
    found = [re.search(rf"^{field}:\s+(\d+)", status, re.MULTILINE) for field in ("Uid", "Gid")]
    if result.exit_code != 0 or not all(found):
        return Check("non-root user", False, expected, f"cannot read /proc/1/status: {result.output[:200]!r}")
    real, group = (int(match.group(1)) for match in found if match)
    numeric = image_user.split(":")[0].isdigit() and image_user.split(":")[0] != "0"
    seen = f"PID 1 uid {real} gid {group}; image USER {image_user or '(unset, so root)'}"
    return Check("non-root user", (real, group) == (uid, gid) and numeric, expected, seen)


def probe_check(kind: str, app: RunningApp, path: str) -> Check:
    """A liveness or readiness path answers 2xx on $PORT, from outside the container."""
    url = app.url(path)
    answer = app.ask(path)
    expected = f"2xx within {HTTP_TIMEOUT:g} s from {url} (PORT={app.port}, over the container network)"
    return Check(f"{kind} GET {path}", answer.ok, expected, answer.describe(), answer.seconds)


def smoke_check(app: RunningApp, request: SmokePlan) -> Check:
    """One smoke request from the spec: the status it names, and the body text if it names one."""
    answer = app.ask(request.path, method=request.method, json_body=request.json_body)
    expected = f"status {request.status}" + (f" with {request.body_contains!r} in the body"
                                             if request.body_contains else "")
    passed = request.answered_by(answer.status, answer.body)
    return Check(f"smoke {request.method} {request.path}", passed, expected, answer.describe(), answer.seconds)


def sigterm_check(app: RunningApp, *, graceful_timeout: int, signal: str = "SIGTERM") -> Check:
    """On SIGTERM the container exits 0 within the graceful timeout, as a platform's deploy expects."""
    expected = f"exit 0 within graceful_timeout {graceful_timeout} s of {signal}"
    started = time.monotonic()
    app.docker.kill(signal=signal)
    code = wait_for_exit(app.docker, timeout=graceful_timeout + SIGTERM_MARGIN)
    seconds = time.monotonic() - started
    if code is None:
        app.docker.kill()  # what the platform does when the shutdown delay runs out
        seen = f"still running {seconds:.1f} s after {signal}: it ignores the signal; killed it"
        return Check("SIGTERM", False, expected, seen, seconds)
    passed = code == 0 and seconds <= graceful_timeout
    return Check("SIGTERM", passed, expected, f"exit {code} after {seconds:.1f} s", seconds)
