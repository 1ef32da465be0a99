"""validate: a built image + its plan -> ValidationReport, against real Postgres and Redis containers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any, NamedTuple

import requests
from docker.errors import DockerException, ImageNotFound

from builder.environment import app_environment
from builder.errors import BuilderError, TransientError
from builder.plan import BuildPlan
from builder.services import service
from builder.validate import checks as c
from builder.validate.app import address, app_container, run_release
from builder.validate.report import Check, ValidationReport, skipped
from builder.validate.services import (
    LABEL,
    Progress,
    RunningService,
    disable_reaper,
    log_tail,
    new_run_id,
    private_network,
    run_labels,
    start_service,
    sweep,
)


def validate_image(plan: BuildPlan, image: str, client: Any, *,
                   on_progress: Progress | None = None) -> ValidationReport:
    """Start the plan's services, run the release command and the app from `image`, and check them."""
    progress = on_progress or (lambda _line: None)
    started = time.monotonic()
    with engine_failures(f"validating {plan.app_name}"), cleaned_up(client, plan.app_name) as (stack, labels):
        require_image(client, image)
        network = stack.enter_context(private_network(labels[LABEL], labels))
        services: dict[str, RunningService] = {
            s.kind: start_service(stack, client, s, network, labels, on_progress=progress) for s in plan.services}
        port = plan.ports.validation
        env = app_environment(plan, {kind: s.url for kind, s in services.items()}, port=port)
        results: list[Check] = []
        if plan.release_command:
            progress(f"running the release command: {' '.join(plan.release_command)}")
            results.append(run_release(plan, image, env, network, labels))
        progress(f"starting the app with PORT={port}")
        container = stack.enter_context(app_container(image, env, network, labels))
        app = c.RunningApp(container.get_wrapped_container(), f"http://{address(container, network)}:{port}", port)
        results += _app_checks(app, plan, services, progress)
        log = log_tail(app.docker) if any(check.failed for check in results) else []
    return ValidationReport(plan.app_name, image, "containers", port, [s.used for s in services.values()],
                            results, log, time.monotonic() - started)


def require_image(client: Any, image: str) -> None:
    try:
        client.images.get(image)
    except ImageNotFound:
        raise BuilderError(f"image {image} not found",
                           hint="build it with `builder build`, or leave out --image so validate builds it") from None


@contextmanager
def cleaned_up(client: Any, app: str) -> Iterator[tuple[ExitStack, dict[str, str]]]:
    """An exit stack for the run's containers, then a sweep by label for anything an interrupt left behind."""
    disable_reaper()
    run_id = new_run_id()
    try:
        with ExitStack() as stack:
            yield stack, run_labels(run_id, app)
    finally:
        sweep(client, run_id)


@contextmanager
def engine_failures(doing: str) -> Iterator[None]:
    """An engine error mid-run is transient (exit 3), with what we were doing in front of it."""
    try:
        yield
    except (DockerException, requests.RequestException) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TransientError(f"{doing}: the Docker engine failed: {first}",
                             hint="check `docker info`, then run `builder validate` again") from exc


def _app_checks(app: c.RunningApp, plan: BuildPlan, services: dict[str, RunningService],
                progress: Progress) -> list[Check]:
    progress("waiting for the HEALTHCHECK")
    results = c.startup_checks(app)
    steps = _steps(app, plan, services)
    blocked = "the app is not running" if results[0].failed else ""
    for step in steps:
        if blocked and (step.over_http or results[0].failed):
            results.append(skipped(step.name, "", blocked))
            continue
        progress(f"checking {step.name}")
        results.append(step.run())
        if step.gate and results[-1].failed:
            blocked = f"the app does not answer on PORT {app.port} from outside the container"
    return results


class Step(NamedTuple):
    name: str
    run: Callable[[], Check]
    over_http: bool = True  # talks to the app over the network, so pointless once liveness fails
    gate: bool = False  # when it fails, the HTTP steps after it are skipped


def _steps(app: c.RunningApp, plan: BuildPlan, services: dict[str, RunningService]) -> list[Step]:
    """The checks after start-up, in order; the outages come last but one, SIGTERM last of all."""
    liveness, readiness = plan.health.liveness, plan.health.readiness
    python = plan.runtime.python
    steps = [
        Step("non-root user", lambda: c.user_check(app, uid=plan.runtime.user.uid, python=python), over_http=False),
        Step(f"liveness GET {liveness}", lambda: c.probe_check("liveness", app, liveness), gate=True),
    ]
    if readiness:
        steps.append(Step(f"readiness GET {readiness}", lambda: c.probe_check("readiness", app, readiness)))
    steps += [Step(f"smoke {r.method} {r.path}", partial(c.smoke_check, app, r)) for r in plan.smoke]
    steps += _outage_steps(app, services, liveness=liveness, readiness=readiness)
    graceful, stop_signal = plan.server.graceful_timeout, plan.runtime.stop_signal
    steps.append(Step("SIGTERM", lambda: c.sigterm_check(app, graceful_timeout=graceful, signal=stop_signal),
                      over_http=False))
    return steps


def _outage_steps(app: c.RunningApp, services: dict[str, RunningService], *, liveness: str,
                  readiness: str | None) -> list[Step]:
    """Each service's outage (Postgres restarted, Redis stopped): only readiness can tell, so without a readiness
    path they are skipped."""
    steps = [Step(service(kind).outage, partial(service(kind).outage_check, app, running, liveness=liveness,
                                                readiness=readiness or ""))
             for kind, running in services.items()]
    if readiness:
        return steps
    reason = "the spec has no health.readiness path, so an outage cannot show"
    return [Step(step.name, partial(skipped, step.name, "", reason)) for step in steps]
