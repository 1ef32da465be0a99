"""The load plan: `validate --load`'s traffic, budgets and connection cap, resolved from the spec's `load:`."""

from __future__ import annotations

from builder.budget import one_instance_cap, process_extras
from builder.plan.model import LoadPlan, ProcessPlan, ServerPlan, SmokePlan
from builder.processes import smoke_plan
from builder.spec import AppSpec, SmokeRequest

READ_ONLY = ("GET", "HEAD")  # repeated thousands of times, a write would fill the database and conflict with itself
ASYNC_WORKERS = ("gevent", "uvicorn_worker.UvicornWorker")  # many connections per worker, not one per thread
CLIENTS_PER_ASYNC_WORKER = 4
TIMEOUT_MARGIN = 3  # seconds past server.timeout the slow request asks for, so it is surely slower
# What gunicorn's worker timeout does to one slow request. The arbiter only watches each worker's heartbeat: a sync
# worker beats between requests, so a slow one gets it killed; gthread beats from its main loop while request threads
# run, so the request goes on; gevent and uvicorn beat from their event loop, which a blocking handler stalls.
SLOW_REQUEST = {"sync": "cut", "gthread": "finishes"}


def plan_load(spec: AppSpec, *, server: ServerPlan, processes: list[ProcessPlan], liveness: str) -> LoadPlan:
    """Concurrency from the workers that run, the requests to send, and Postgres' cap from the pool budget."""
    load = spec.load
    workers = server.workers or server.max_workers  # without a fixed count, the most the formula may start
    budget = one_instance_cap(workers=workers, pool_size=spec.pool.size, max_overflow=spec.pool.max_overflow,
                              extras=process_extras(processes, extra_connections=spec.pool.extra_connections))
    probe = load.timeout_probe.replace("{seconds}", str(server.timeout + TIMEOUT_MARGIN)) \
        if load.timeout_probe else None
    return LoadPlan(
        concurrency=load.concurrency or _concurrency(server, workers), duration_seconds=load.duration_seconds,
        requests=_requests(spec, liveness), p99_ms=load.p99_ms, memory_growth_mb=load.memory_growth_mb,
        connections=budget.total, connection_budget=budget.demand(), max_connections=budget.cap,
        timeout_probe=probe, slow_request=SLOW_REQUEST.get(server.worker_class, "either"),
    )


def _concurrency(server: ServerPlan, workers: int) -> int:
    per_worker = server.threads * (CLIENTS_PER_ASYNC_WORKER if server.worker_class in ASYNC_WORKERS else 1)
    return workers * per_worker


def _requests(spec: AppSpec, liveness: str) -> list[SmokePlan]:
    chosen: list[SmokeRequest] = [r for r in spec.smoke if r.method in READ_ONLY] \
        if spec.load.requests is None else list(spec.load.requests)
    plans = [smoke_plan(r) for r in chosen]
    return plans or [SmokePlan("GET", liveness, None, 200, None)]

