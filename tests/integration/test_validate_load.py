"""`builder validate --load` for real: app_sample passes under load with its figures in the JSON; a pool bigger than
the one declared, a graceful timeout shorter than the requests in flight, and a leaking worker each fail their check."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import build_image
from builder.plan import BuildPlan
from builder.project import load_project
from builder.validate.report import Check, ValidationReport
from builder.validate.runner import validate_image

LOAD_CHECKS = ["steady load", "memory under load", "connections under load", "worker timeout", "SIGTERM under load"]
Variant = Callable[[str, Callable[[Path], None]], ValidationReport]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "builder", *args]


def check(report: ValidationReport, name: str) -> Check:
    return next(c for c in report.checks if c.name == name)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer has {old!r}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def own_build(docker_client: Any, python_stand_in: None, sample_copy: Path,
              test_ca: tuple[Path, str]) -> Iterator[Callable[[str], tuple[str, BuildPlan]]]:
    """Regenerate the copy of app_sample and build it to a tag of this test run's own: other sessions on the same
    engine rebuild the shared session tag from their own checkouts."""
    tags: list[str] = []

    def build(name: str) -> tuple[str, BuildPlan]:
        subprocess.run(cli("--spec", str(sample_copy), "generate"), check=True, capture_output=True, timeout=120)
        plan = load_project(sample_copy).plan
        tags.append(f"builder-test/validate-load-{name}:{secrets.token_hex(4)}")
        build_image(plan, sample_copy, docker_client, tag=tags[-1], ca_cert=test_ca[0])
        return tags[-1], plan

    yield build
    for tag in tags:
        docker_client.images.remove(tag, force=True)


@pytest.fixture
def load_variant(docker_client: Any, sample_copy: Path,
                 own_build: Callable[[str], tuple[str, BuildPlan]]) -> Variant:
    """Break a copy of app_sample, build it and validate it under load."""

    def run(name: str, change: Callable[[Path], None]) -> ValidationReport:
        change(sample_copy)
        tag, plan = own_build(name)
        return validate_image(plan, tag, docker_client, load=True)

    return run


def test_app_sample_passes_under_load_and_reports_the_figures(
        sample_copy: Path, own_build: Callable[[str], tuple[str, BuildPlan]]) -> None:
    tag, plan = own_build("sample")
    done = subprocess.run(cli("--spec", str(sample_copy), "validate", "--load", "--image", tag, "--json"),
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert [checks[name]["verdict"] for name in LOAD_CHECKS] == ["pass"] * len(LOAD_CHECKS)
    assert "SIGTERM" not in checks, "SIGTERM under load stands in for the plain one"
    steady = checks["steady load"]["figures"]
    assert steady["requests"] > 0 and steady["requests_per_s"] > 0 and steady["errors"] == {}
    assert 0 < steady["p50_ms"] <= steady["p95_ms"] <= steady["p99_ms"] <= plan.load.p99_ms
    memory = checks["memory under load"]["figures"]
    assert len(memory["before_mb"]) == 2 and memory["after_mb"], "app_sample runs two workers"
    connections = checks["connections under load"]["figures"]
    assert 1 <= connections["peak"] <= connections["budget"] == plan.load.connections
    assert connections["max_connections"] == plan.load.max_connections
    slow = checks["worker timeout"]["figures"]
    assert (slow["slow_outcome"], slow["cut"], slow["others_failed"]) == ("200", False, 0), "gthread runs it out"
    assert slow["slow_seconds"] >= plan.server.timeout
    shutdown = checks["SIGTERM under load"]["figures"]
    assert (shutdown["exit_code"], shutdown["in_flight_failed"]) == (0, 0) and shutdown["in_flight"] > 0
    assert shutdown["exit_seconds"] <= plan.server.graceful_timeout


def test_a_pool_bigger_than_declared_meets_too_many_clients(load_variant: Variant) -> None:
    def bigger_pool(root: Path) -> None:
        spec = root / "builder.yaml"
        # The spec still declares 5 + 2 per worker, but the app opens up to 20 + 20, with 16 threads to fill them.
        edit(spec, "  workers: 2\n  threads: 4\n", "  workers: 3\n  threads: 16\n")
        edit(spec, "  LOG_LEVEL: info\n", '  LOG_LEVEL: info\n  DB_POOL_SIZE: "20"\n  DB_MAX_OVERFLOW: "20"\n')
        edit(spec, "  timeout_probe: /api/slow?seconds={seconds}\n",
             '  requests: [{path: "/api/slow?seconds=0.5"}]\n  duration_seconds: 4\n')

    report = load_variant("pool", bigger_pool)
    cap = check(report, "connections under load")
    assert cap.verdict == "FAIL", report.to_json()
    assert "too many clients" in cap.seen
    assert "at most 22 connections" in cap.expected and "max_connections 25" in cap.expected
    assert cap.figures is not None and cap.figures["refused"] > 0


def test_a_graceful_timeout_shorter_than_requests_in_flight_fails_sigterm_under_load(load_variant: Variant) -> None:
    def short_grace(root: Path) -> None:
        spec = root / "builder.yaml"
        edit(spec, "  graceful_timeout: 20\n", "  graceful_timeout: 1\n")
        # One worker may accept more connections than it has threads: a 3 s request can wait behind another.
        edit(spec, "  p99_ms: 1000\n", "  p99_ms: 10000\n")
        edit(spec, "  timeout_probe: /api/slow?seconds={seconds}\n",
             '  requests: [{path: "/api/slow?seconds=3"}]\n  duration_seconds: 3\n')

    report = load_variant("grace", short_grace)
    shutdown = check(report, "SIGTERM under load")
    assert shutdown.verdict == "FAIL", report.to_json()
    assert shutdown.figures is not None and shutdown.figures["in_flight_failed"] > 0
    assert "requests in flight at SIGTERM failed" in shutdown.seen
    assert check(report, "steady load").verdict == "PASS", check(report, "steady load").seen


def test_a_worker_that_leaks_per_request_fails_memory_under_load(load_variant: Variant) -> None:
    def leak(root: Path) -> None:
        api = root / "gradebook" / "api.py"
        edit(api, 'api = Blueprint("api", __name__)\n',
             'api = Blueprint("api", __name__)\n_KEPT: list[bytes] = []  # grows by 256 KB a request, forever\n')
        edit(api, "def list_students() -> ResponseReturnValue:\n",
             'def list_students() -> ResponseReturnValue:\n    _KEPT.append(b"x" * 256 * 1024)\n')
        spec = root / "builder.yaml"
        edit(spec, "  memory_growth_mb: 48\n  timeout_probe: /api/slow?seconds={seconds}\n",
             "  memory_growth_mb: 24\n  duration_seconds: 6\n")

    report = load_variant("leak", leak)
    memory = check(report, "memory under load")
    assert memory.verdict == "FAIL", report.to_json()
    assert memory.figures is not None and memory.figures["growth_mb"] > 24
    assert "no worker's resident memory grows more than 24 MB" in memory.expected
    assert check(report, "steady load").verdict == "PASS", check(report, "steady load").seen
