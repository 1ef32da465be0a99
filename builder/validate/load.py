"""`validate --load`: the running app under bounded traffic. A steady load (throughput, latency, errors) with its
memory per worker and the Postgres connections it holds under a cap, then a request slower than the worker timeout,
then a SIGTERM in the middle of traffic. Each step is a Check carrying its figures; all traffic goes to the app
container's address on the run's private network, and every loop ends by a count and a deadline of its own."""

from __future__ import annotations

from collections.abc import Callable

from builder.plan import BuildPlan
from builder.services.postgres import capped_command
from builder.validate.checks import RunningApp
from builder.validate.report import Check
from builder.validate.services import RunningService
from builder.validate.shutdown import sigterm_under_load, worker_timeout
from builder.validate.steady import LoadRun

LoadStep = tuple[str, Callable[[], Check]]


def service_commands(plan: BuildPlan) -> dict[str, list[str]]:
    """The services' commands for a load run: Postgres capped at one instance's connection budget."""
    return {"postgres": capped_command(plan.load.max_connections)} if plan.service("postgres") else {}


def load_steps(app: RunningApp, plan: BuildPlan, services: dict[str, RunningService]) -> list[LoadStep]:
    """The load checks in order; the last, SIGTERM under load, stops the app."""
    run = LoadRun(app, plan, services.get("postgres"))
    return [
        ("steady load", run.steady_check),
        ("memory under load", run.memory_check),
        ("connections under load", run.connections_check),
        ("worker timeout", lambda: worker_timeout(app, plan)),
        ("SIGTERM under load", lambda: sigterm_under_load(app, plan)),
    ]
