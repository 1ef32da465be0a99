"""The load generator against a real loopback HTTP server, and the figures the load checks compute from outcomes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from builder.plan import SmokePlan
from builder.validate.loadgen import Outcome, Traffic, send_load, summarize
from builder.validate.report import Check, ServiceUsed, ValidationReport, report_table
from builder.validate.shutdown import _shutdown_figures
from builder.validate.steady import MB, Samples, SteadyRun, _growth

OK = SmokePlan("GET", "/ok", None, 200, None)
MISSING = SmokePlan("GET", "/missing", None, 200, None)


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the load's clients expect

    def do_GET(self) -> None:
        status = 200 if self.path.startswith("/ok") else 404
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_load_counts_each_answer_by_the_status_asked_for(server: str) -> None:
    outcomes = send_load(Traffic(server, [OK, MISSING], concurrency=3, seconds=0.5))
    summary = summarize(outcomes)
    assert summary.requests == len(outcomes) > 10
    assert summary.errors == {"404": sum(o.status == 404 for o in outcomes)}
    assert 0 < summary.failed < summary.requests
    assert 0 < summary.p50_ms <= summary.p95_ms <= summary.p99_ms
    assert summary.requests_per_s > 0 and "404" in summary.describe()
    assert all(o.sent is not None and o.started <= o.sent <= o.ended for o in outcomes)


def test_load_stops_at_its_request_count(server: str) -> None:
    assert len(send_load(Traffic(server, [OK], concurrency=4, seconds=30, max_requests=25))) == 25


def test_load_stops_when_told(server: str) -> None:
    traffic = Traffic(server, [OK], concurrency=2, seconds=30)
    threading.Timer(0.3, traffic.stop.set).start()
    outcomes = send_load(traffic)
    assert outcomes and max(o.ended for o in outcomes) - min(o.started for o in outcomes) < 5


def test_a_closed_port_is_refused_not_raised() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcomes = send_load(Traffic(f"http://127.0.0.1:{port}", [OK], concurrency=2, seconds=0.3))
    assert outcomes and {o.kind for o in outcomes} == {"no answer (refused)"}


def outcome(started: float, seconds: float, status: int | None, error: str = "", *,
            sent: float | None = None) -> Outcome:
    return Outcome(started, seconds, status, error, 200, started if sent is None and error != "refused" else sent)


def test_shutdown_counts_in_flight_failures_and_what_came_after() -> None:
    outcomes = [
        outcome(0.0, 0.5, 503),  # failed before the signal: not the shutdown's doing
        outcome(0.5, 2.0, 200),  # in flight at 1.0, answered
        outcome(0.9, 3.0, None, "dropped"),  # in flight, cut off
        outcome(1.1, 0.0, None, "refused"), outcome(1.2, 0.1, 200), outcome(1.3, 0.1, None, "dropped"),
        outcome(0.95, 0.2, None, "dropped", sent=1.02),  # begun before the signal, on the wire only after it
    ]
    figures = _shutdown_figures(outcomes, 1.0, code=0, seconds=1.4)
    assert (figures["sent_before"], figures["in_flight"], figures["in_flight_failed"]) == (3, 2, 1)
    assert figures["failed_kinds"] == {"no answer (dropped)": 1}
    assert (figures["refused_after"], figures["answered_after"], figures["dropped_after"]) == (1, 1, 2)


def test_memory_growth_is_per_worker_and_a_new_worker_starts_from_the_smallest() -> None:
    before = {7: 70 * MB, 8: 60 * MB}
    samples = Samples(memory=[{7: 75 * MB, 8: 61 * MB}, {7: 71 * MB, 9: 90 * MB}])
    run = SteadyRun(summarize([]), before, {7: 71 * MB, 9: 90 * MB}, samples, [])
    growth, peak = _growth(run)
    assert (growth, peak) == (30 * MB, 90 * MB), "pid 9 replaced a worker mid-load: it grew from 60, not 70"


def test_load_figures_go_in_the_json_and_a_table_block_only_for_load_checks() -> None:
    steady = Check("steady load", True, "p99 <= 1000 ms", "120 requests: 60/s, p99 40 ms; 0 errors", 2.0,
                   figures={"requests_per_s": 60.0, "p99_ms": 40.0, "errors": {}})
    plain = Check("app starts", True, "running", "running")
    report = ValidationReport("shop", "shop:latest", "containers", 18080,
                              [ServiceUsed("postgres", "postgres:16", "postgres:16", False)], [plain, steady])
    data = json.loads(report.to_json())
    assert "figures" not in data["checks"][0]
    assert data["checks"][1]["figures"]["requests_per_s"] == 60.0
    assert "under load:\n  steady load: 120 requests: 60/s, p99 40 ms; 0 errors" in report_table(report)
