"""validate: a built image + its plan -> ValidationReport, against real Postgres and Redis containers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any, NamedTuple

from docker.errors import ImageNotFound

from builder.containers import Run, disable_reaper, engine_failures, log_tail, private_network, sweep
from builder.environment import app_environment
from builder.errors import BuilderError
from builder.plan import BuildPlan
from builder.services import service
from builder.validate import checks as c
from builder.validate.app import RELEASE_TIMEOUT, address
from builder.validate.load import load_steps, service_commands
from builder.validate.processes import CRON_TIMEOUT, Instrument, Launch, WorkerRun, framework_check, run_once
from builder.validate.report import Check, ValidationReport, skipped
from builder.validate.services import Progress, RunningService, start_service


def validate_image(plan: BuildPlan, image: str, client: Any, *, on_progress: Progress | None = None,
                   load: bool = False, instrument: Instrument | None = None) -> ValidationReport:
    """Start the plan's services, run the release command and the app from `image`, and check them; with `load`,
    under traffic too (Postgres then runs under the plan's connection cap). `instrument` goes into every container
    of `image` (the app, release, workers, cron, framework checks)."""
    progress = on_progress or (lambda _line: None)
    started = time.monotonic()
    with (engine_failures(f"validating {plan.app_name}", retry="builder validate"),
          cleaned_up(client, plan.app_name) as (stack, run)):
        require_image(client, image)
        network = stack.enter_context(private_network(run))
        commands = service_commands(plan) if load else {}
        services: dict[str, RunningService] = {
            s.kind: start_service(stack, client, s, network, run, on_progress=progress,
                                  command=commands.get(s.kind)) for s in plan.services}
        port = plan.ports.validation
        env = app_environment(plan, {kind: s.url for kind, s in services.items()}, port=port)
        launch = Launch(image, env, network, run, plan.security, data_volumes(client, plan, run), instrument)
        results: list[Check] = []
        if plan.release_command:
            progress(f"running the release command: {' '.join(plan.release_command)}")
            results.append(run_once(launch, f"release: {' '.join(plan.release_command)}", plan.release_command,
                                    timeout=RELEASE_TIMEOUT, expected=f"exit 0 within {RELEASE_TIMEOUT:g} s "
                                    "against an empty database"))
        progress(f"starting the app with PORT={port}")
        container = stack.enter_context(launch.container())
        app = c.RunningApp(container.get_wrapped_container(), f"http://{address(container, network)}:{port}", port,
                           _host(plan))
        results += _app_checks(app, plan, services, progress, stack=stack, launch=launch, load=load)
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
def cleaned_up(client: Any, app: str) -> Iterator[tuple[ExitStack, Run]]:
    """An exit stack for the run's containers, then a sweep by label for anything an interrupt left behind."""
    disable_reaper()
    run = Run("validate", app)
    try:
        with ExitStack() as stack:
            yield stack, run
    finally:
        sweep(client, run)


def _host(plan: BuildPlan) -> str | None:
    """The framework's probe host as the Host header; None (the address itself) for an IP."""
    host = plan.framework.probe_host
    return None if host.replace(".", "").isdigit() else host


def data_volumes(client: Any, plan: BuildPlan, run: Run) -> dict[str, str]:
    """A volume for each writable path, shared by the release, the app and the workers (a SQLite file the release
    creates is the one the app opens); labelled, so the sweep removes them."""
    volumes = {}
    for index, path in enumerate(plan.runtime.writable_paths, 1):
        volume = client.volumes.create(name=run.name(f"data-{index}"), labels=run.labels)
        volumes[volume.name] = path
    return volumes


def _app_checks(app: c.RunningApp, plan: BuildPlan, services: dict[str, RunningService],
                progress: Progress, *, stack: ExitStack, launch: Launch,
                load: bool) -> list[Check]:
    progress("waiting for the HEALTHCHECK")
    results = c.startup_checks(app)
    steps = _steps(app, plan, services, stack=stack, launch=launch)
    if load:  # SIGTERM under load stands in for the plain SIGTERM: both stop the app
        steps = [s for s in steps if s.name != "SIGTERM"] + [Step(*step) for step in load_steps(app, plan, services)]
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


def _steps(app: c.RunningApp, plan: BuildPlan, services: dict[str, RunningService], *, stack: ExitStack,
           launch: Launch) -> list[Step]:
    """The checks after start-up, in order: probes, smoke, workers and cron jobs, outages, then SIGTERM."""
    liveness, readiness = plan.health.liveness, plan.health.readiness
    python = plan.runtime.python
    steps = [
        Step("non-root user", lambda: c.user_check(app, uid=plan.security.uid, gid=plan.security.gid, python=python),
             over_http=False),
        Step(f"liveness GET {liveness}", lambda: c.probe_check("liveness", app, liveness), gate=True),
    ]
    if readiness:
        steps.append(Step(f"readiness GET {readiness}", lambda: c.probe_check("readiness", app, readiness)))
    steps += [Step(f"smoke {r.method} {r.path}", partial(c.smoke_check, app, r)) for r in plan.smoke]
    steps += [Step(check.name, partial(framework_check, launch, check), over_http=False)
              for check in plan.framework.checks]
    workers = [WorkerRun(stack, launch, p) for p in plan.processes if p.kind == "worker"]
    for worker in workers:
        steps.append(Step(f"worker {worker.process.name} healthy", worker.start, over_http=False))
        if worker.process.proof:
            steps.append(Step(f"worker {worker.process.name} consumes a job", partial(worker.consumes, app)))
        # Before the outages: a worker that lost Redis on purpose proves nothing about its own shutdown.
        steps.append(Step(f"worker {worker.process.name} SIGTERM", worker.stops, over_http=False))
    steps += [Step(f"cron {p.name} runs once", partial(run_once, launch, f"cron {p.name} runs once", p.command,
                                                       timeout=CRON_TIMEOUT, expected="exit 0"), over_http=False)
              for p in plan.processes if p.kind == "cron"]
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
