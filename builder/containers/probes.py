"""HTTP from the host to a container: one request that never raises, and polling until an answer changes."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HTTP_TIMEOUT = 5.0  # Render's health checks want an answer within 5 s
ALIVE_EVERY = 1.0  # seconds between asking the engine whether the container still runs, while polling


@dataclass(frozen=True)
class HttpAnswer:
    """What an HTTP request got: a status and body, or the reason there was no answer."""

    status: int | None
    body: str
    error: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        if self.status is None:
            return f"no answer: {self.error}"
        body = " ".join(self.body.split())
        return f"{self.status} {body[:160]}"


def http_request(url: str, *, method: str = "GET", json_body: Any = None, timeout: float = HTTP_TIMEOUT,
                 host: str | None = None) -> HttpAnswer:
    """One request; never raises for an HTTP status, a refused connection or a garbled answer. `host`: the Host
    header to send (Django checks it against ALLOWED_HOSTS), instead of the address in `url`."""
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if host:
        request.add_header("Host", host)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _text(response.read()), "", time.monotonic() - started)
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, _text(exc.read()), "", time.monotonic() - started)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HttpAnswer(None, "", str(reason), time.monotonic() - started)


def poll(url: str, *, until_ok: bool = True, timeout: float, interval: float = 0.5,
         request_timeout: float = HTTP_TIMEOUT, host: str | None = None, alive: Callable[[], bool] | None = None,
         accept: Callable[[HttpAnswer], bool] | None = None) -> tuple[HttpAnswer, float]:
    """Ask `url` until its answer is (or is no longer) 2xx, or until `accept` takes it; the last answer and the
    seconds it took.

    With `alive`, stop early once it says the server is gone (asked about once a second, not on every request).
    """
    wanted = accept or (lambda answer: answer.ok == until_ok)
    started = checked = time.monotonic()
    while True:
        answer = http_request(url, timeout=request_timeout, host=host)
        now = time.monotonic()
        if wanted(answer) or now - started >= timeout:
            return answer, now - started
        if alive is not None and now - checked >= ALIVE_EVERY:
            checked = now
            if not alive():
                return answer, now - started
        time.sleep(interval)


def _text(raw: bytes) -> str:
    return raw.decode(errors="replace")
