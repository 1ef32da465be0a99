"""The spec's `load:` section and the plan's LoadPlan: concurrency, requests, the connection cap, the slow probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import SpecError
from builder.load import load_spec
from builder.plan import BuildPlan
from builder.plan.make import make_plan

BASE = """\
name: shop
app:
  module: shop.wsgi:app
health:
  liveness: /health
"""


def plan_of(tmp_path: Path, extra: str = "") -> BuildPlan:
    (tmp_path / "shop").mkdir(exist_ok=True)
    (tmp_path / "shop" / "wsgi.py").write_text("app = None\n")
    (tmp_path / "requirements.txt").write_text("flask==3.1.3\n")
    (tmp_path / "builder.yaml").write_text(BASE + extra)
    return make_plan(load_spec(tmp_path).spec)


def test_defaults_read_the_workers_threads_and_read_only_smoke_requests(tmp_path: Path) -> None:
    load = plan_of(tmp_path, """\
server: {workers: 3, threads: 2}
smoke:
  - {method: POST, path: /items, json: {name: a}, status: 201}
  - {path: /items, body_contains: a}
""").load
    assert load.concurrency == 6
    assert [(r.method, r.path) for r in load.requests] == [("GET", "/items")], "a POST repeated would conflict"
    assert (load.duration_seconds, load.p99_ms, load.memory_growth_mb) == (10, 1000, 48)
    assert load.timeout_probe is None


def test_without_a_read_only_smoke_request_the_load_asks_liveness(tmp_path: Path) -> None:
    load = plan_of(tmp_path, "smoke: [{method: POST, path: /items, status: 201}]\n").load
    assert [(r.method, r.path, r.status) for r in load.requests] == [("GET", "/health", 200)]


def test_async_workers_get_more_clients_than_threads(tmp_path: Path) -> None:
    load = plan_of(tmp_path, "server: {worker_class: gevent, workers: 2}\n").load
    assert load.concurrency == 8
    assert load.slow_request == "either", "a blocking handler stalls gevent's loop, a cooperative one does not"


def test_postgres_cap_is_one_instance_budget_plus_the_superuser_slots(tmp_path: Path) -> None:
    load = plan_of(tmp_path, """\
server: {workers: 3}
release: alembic upgrade head
pool: {size: 5, max_overflow: 2, extra_connections: 2}
""").load
    assert load.connections == 3 * (5 + 2) + 1 + 2
    assert load.connection_budget == "1 instance x 3 workers x (5 + 2) + 1 release + 2 extra_connections = 24"
    assert load.max_connections == 24 + 3


def test_without_fixed_workers_the_cap_counts_the_most_the_formula_starts(tmp_path: Path) -> None:
    load = plan_of(tmp_path, "server: {max_workers: 6}\n").load
    assert load.connections == 6 * (5 + 10)


def test_timeout_probe_asks_for_longer_than_the_worker_timeout(tmp_path: Path) -> None:
    load = plan_of(tmp_path, """\
server: {worker_class: sync, timeout: 20}
load:
  timeout_probe: /slow?seconds={seconds}
  requests: [{path: "/items?limit=5"}]
""").load
    assert load.timeout_probe == "/slow?seconds=23"
    assert load.slow_request == "cut", "a sync worker beats between requests, so a slow one gets it killed"
    assert [r.path for r in load.requests] == ["/items?limit=5"]


def test_gthread_requests_run_past_the_timeout(tmp_path: Path) -> None:
    assert plan_of(tmp_path, "load: {concurrency: 3}\n").load.slow_request == "finishes"


@pytest.mark.parametrize(("extra", "field"), [
    ("load: {duration_seconds: 600}\n", "duration_seconds"),
    ("load: {concurrency: 0}\n", "concurrency"),
    ("load: {requests: [{path: 'items'}]}\n", "path"),
    ("load: {rps: 5}\n", "rps"),
])
def test_bad_load_settings_are_spec_errors(tmp_path: Path, extra: str, field: str) -> None:
    with pytest.raises(SpecError) as caught:
        plan_of(tmp_path, extra)
    assert field in str(caught.value) + str(getattr(caught.value, "field", ""))


def test_smoke_paths_still_take_no_query_string(tmp_path: Path) -> None:
    with pytest.raises(SpecError):
        plan_of(tmp_path, "smoke: [{path: '/items?limit=5'}]\n")
