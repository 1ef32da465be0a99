"""The container plumbing without an engine: labels and names, HTTP probes and polls, health budgets, log lines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from docker.errors import DockerException

from builder.containers import (
    LABEL_APP,
    LABEL_PURPOSE,
    LABEL_RUN,
    Run,
    engine_failures,
    health_budget,
    http_request,
    poll,
    telling_line,
)
from builder.errors import TransientError


def test_one_label_scheme_names_the_run_the_purpose_and_the_app() -> None:
    run = Run("validate", "gradebook")
    assert run.labels == {LABEL_RUN: run.id, LABEL_PURPOSE: "validate", LABEL_APP: "gradebook"}
    assert run.selector == {"label": f"builder.run={run.id}"}
    assert run.name("probe") == f"builder-validate-{run.id}-probe" and run.name() == f"builder-validate-{run.id}"
    assert Run("doctor", id="abc").labels == {LABEL_RUN: "abc", LABEL_PURPOSE: "doctor"}, "no app label without an app"


def test_every_run_has_its_own_id() -> None:
    assert len({Run("report").id for _ in range(20)}) == 20


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path == "/ready" else 200
        self._answer(status, b'{"status": "not ready"}' if status == 503 else b"ok")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(201, body + self.headers["Content-Type"].encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_request_reports_status_body_and_refusals(server: str) -> None:
    assert http_request(f"{server}/health").ok
    not_ready = http_request(f"{server}/ready")
    assert (not_ready.status, not_ready.ok) == (503, False)
    assert "not ready" in not_ready.describe()
    posted = http_request(f"{server}/api", method="POST", json_body={"name": "Ada"})
    assert posted.status == 201 and '"Ada"' in posted.body and "application/json" in posted.body
    port = int(server.rsplit(":", 1)[1])
    refused = http_request(f"http://127.0.0.1:{port + 1 if port < 65535 else 1}/health", timeout=1)
    assert refused.status is None and refused.describe().startswith("no answer:")


def test_poll_stops_as_soon_as_the_answer_is_what_it_waits_for(server: str) -> None:
    answer, _ = poll(f"{server}/ready", until_ok=False, timeout=5)
    assert answer.status == 503
    answer, _ = poll(f"{server}/ready", until_ok=True, timeout=0.3, interval=0.1)
    assert answer.status == 503, "gives up after the timeout with the last answer"


def test_health_budget_covers_start_period_and_every_retry() -> None:
    ns = 1_000_000_000
    probe = {"Interval": 10 * ns, "Timeout": 5 * ns, "StartPeriod": 30 * ns, "Retries": 3}
    assert health_budget(probe) == 30 + 3 * 15 + 10


def test_telling_line_finds_the_root_cause_before_gunicorns_halt() -> None:
    log = ["[INFO] Booting worker", "Traceback (most recent call last):", '  File "/app/gradebook/cache.py"',
           "ModuleNotFoundError: No module named 'redis'", "[ERROR] Worker (pid:8) exited with code 3",
           "Traceback (most recent call last):", "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>"]
    assert telling_line(log) == "ModuleNotFoundError: No module named 'redis'"
    assert telling_line(["[INFO] start", "[ERROR] Worker timeout", "[INFO] bye"]) == "[ERROR] Worker timeout"
    assert telling_line([]) == "(empty log)"


def test_poll_stops_early_once_the_server_is_gone(server: str) -> None:
    started = time.monotonic()
    answer, _ = poll(f"{server}/ready", until_ok=True, timeout=30, interval=0.1, alive=lambda: False)
    assert answer.status == 503
    assert time.monotonic() - started < 5, "a dead container ends the wait instead of the timeout"


def test_an_engine_failure_is_transient_and_says_what_we_were_doing() -> None:
    with pytest.raises(TransientError) as raised, engine_failures("measuring app:latest", retry="builder report"):
        raise requests.ConnectionError("Connection aborted.")
    assert raised.value.message == "measuring app:latest: the Docker engine failed: Connection aborted."
    assert "`builder report` again" in raised.value.hint
    with (pytest.raises(TransientError, match="reading image x: the Docker engine failed: 500 boom"),
          engine_failures("reading image x")):
        raise DockerException("500 boom")
