"""Workers and cron jobs under validation: started from the same image, env and volumes as the app.

A worker must reach healthy by its own healthcheck, consume a job the app enqueues (when the spec names one), and
stop within its grace period on SIGTERM; a cron job must run once and exit 0.
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from builder.containers import FULL_LOG, Run, log_tail, telling_line, wait_for_exit, wait_for_health
from builder.plan import FrameworkCheck, ProcessPlan
from builder.plan.model import RuntimeSecurity
from builder.validate.app import app_container
from builder.validate.checks import SIGTERM_MARGIN, RunningApp
from builder.validate.report import Check

WORKER_HEALTHY_TIMEOUT = 60.0
CRON_TIMEOUT = 180.0
NANOSECONDS = 1_000_000_000


@dataclass(frozen=True)
class Instrument:
    """What an observer of the app (`builder trace`'s recorder) adds to every container of the app image: more
    environment, and host directories bound read-write. Services' containers never get it."""

    env: dict[str, str] = field(default_factory=dict)
    binds: dict[str, str] = field(default_factory=dict)  # host path -> path in the container


@dataclass(frozen=True)
class Launch:
    """Everything a container of the app needs: image, environment, network, the run and the data volumes."""

    image: str
    env: dict[str, str]
    network: Network
    run: Run
    security: RuntimeSecurity  # the plan's: every container of the app runs hardened alike
    volumes: dict[str, str] = field(default_factory=dict)  # volume name -> path in the container
    instrument: Instrument | None = None

    def container(self, *, command: list[str] | None = None, healthcheck: list[str] | None = None) -> DockerContainer:
        extra = self.instrument or Instrument()
        container = app_container(self.image, self.env | extra.env, self.network, self.run, security=self.security,
                                  command=command)
        for name, path in (self.volumes | extra.binds).items():
            container.with_volume_mapping(name, path, "rw")
        if healthcheck:
            # Overrides the image's HEALTHCHECK (the web server's) with the worker's own, as compose does.
            container.with_kwargs(healthcheck={"test": ["CMD", *healthcheck], "interval": 2 * NANOSECONDS,
                                               "timeout": 5 * NANOSECONDS, "retries": 10,
                                               "start_period": 5 * NANOSECONDS})
        return container


def run_once(launch: Launch, name: str, command: list[str], *, timeout: float, expected: str) -> Check:
    """Run a one-shot command (the release, a cron job) in its own container; it must exit 0 in time."""
    started = time.monotonic()
    with launch.container(command=command) as container:
        docker = container.get_wrapped_container()
        code = wait_for_exit(docker, timeout=timeout)
        seconds = time.monotonic() - started
        output = log_tail(docker, FULL_LOG)
    if code == 0:
        return Check(name, True, expected, "exit 0", seconds)
    what = f"still running after {timeout:g} s" if code is None else f"exit {code}: {telling_line(output)}"
    return Check(name, False, expected, "\n".join([what, "its output ends:", *output[-8:]]), seconds)


class WorkerRun:
    """One worker through its checks: start and healthy, a job consumed, SIGTERM."""

    def __init__(self, stack: ExitStack, launch: Launch, process: ProcessPlan) -> None:
        self.stack, self.launch, self.process = stack, launch, process
        self.docker: Any = None

    def start(self) -> Check:
        name = f"worker {self.process.name} healthy"
        expected = f"its healthcheck passes within {WORKER_HEALTHY_TIMEOUT:g} s"
        started = time.monotonic()
        container = self.launch.container(command=self.process.command, healthcheck=self.process.healthcheck)
        self.docker = self.stack.enter_context(container).get_wrapped_container()
        health = wait_for_health(self.docker, timeout=WORKER_HEALTHY_TIMEOUT)
        seconds = time.monotonic() - started
        if health.exit_code is not None:
            seen = f"exited with code {health.exit_code}: {telling_line(log_tail(self.docker))}"
            return Check(name, False, expected, seen, seconds)
        return Check(name, health.status == "healthy", expected, f"`{health.status}`", seconds)

    def consumes(self, app: RunningApp) -> Check:
        proof = self.process.proof
        assert proof is not None
        name = f"worker {self.process.name} consumes a job"
        expected = (f"{proof.enqueue.method} {proof.enqueue.path} answers {proof.enqueue.status}, then "
                    f"GET {proof.done.path} shows {proof.done.body_contains!r} within {proof.within_seconds} s")
        started = time.monotonic()
        sent = app.ask(proof.enqueue.path, method=proof.enqueue.method, json_body=proof.enqueue.json_body)
        if sent.status != proof.enqueue.status:
            return Check(name, False, expected, f"enqueue: {sent.describe()}", time.monotonic() - started)
        done, _ = app.poll(proof.done.path, timeout=proof.within_seconds,
                           accept=lambda answer: proof.done.answered_by(answer.status, answer.body))
        passed = proof.done.answered_by(done.status, done.body)
        return Check(name, passed, expected, f"enqueue {sent.status}; done: {done.describe()}",
                     time.monotonic() - started)

    def stops(self) -> Check:
        name = f"worker {self.process.name} SIGTERM"
        grace = self.process.grace_seconds
        expected = f"exit 0 within {grace} s of {self.process.stop_signal}"
        if self.docker is None:
            return Check(name, False, expected, "not run: the worker did not start", skipped=True)
        self.docker.reload()
        if self.docker.status in ("exited", "dead"):  # the engine cannot signal a stopped container
            code = self.docker.attrs["State"]["ExitCode"]
            seen = f"exited by itself before SIGTERM, code {code}: {telling_line(log_tail(self.docker, FULL_LOG))}"
            return Check(name, False, expected, seen)
        started = time.monotonic()
        self.docker.kill(signal=self.process.stop_signal)
        code = wait_for_exit(self.docker, timeout=grace + SIGTERM_MARGIN)
        seconds = time.monotonic() - started
        if code is None:
            self.docker.kill()
            return Check(name, False, expected, f"still running {seconds:.1f} s after SIGTERM; killed it", seconds)
        return Check(name, code == 0 and seconds <= grace, expected, f"exit {code} after {seconds:.1f} s", seconds)


def framework_check(launch: Launch, check: FrameworkCheck, *, timeout: float = CRON_TIMEOUT) -> Check:
    """The framework's production checklist (Django's `check --deploy`): its fatal messages fail, others are listed."""
    started = time.monotonic()
    with launch.container(command=check.command) as container:
        docker = container.get_wrapped_container()
        code = wait_for_exit(docker, timeout=timeout)
        output = log_tail(docker, FULL_LOG)
    seconds = time.monotonic() - started
    if code is None:
        return Check(check.name, False, _expected(check), f"still running after {timeout:g} s", seconds)
    return framework_verdict(check, code, output, seconds=seconds)


def _expected(check: FrameworkCheck) -> str:
    return f"exit 0 and none of {', '.join(check.fatal)}"


def framework_verdict(check: FrameworkCheck, code: int, output: list[str], *, seconds: float) -> Check:
    """Passed or not from the exit code and the message IDs; a failure's first line says which one failed it."""
    expected = _expected(check)
    found = sorted({match for line in output for match in re.findall(r"\(([\w.]+\.[EW]\d{3})\)", line)})
    fatal = [fid for fid in check.fatal if fid in found]
    if not fatal and code == 0:
        return Check(check.name, True, expected, f"exit 0; reported: {', '.join(found) or 'nothing'}", seconds)
    named = ", ".join(f"{fid.rsplit('.', 1)[-1]} ({check.fatal[fid]})" for fid in fatal)
    joiner = ", but " if code == 0 else "; "
    verdict = f"exit {code}" + (f"{joiner}{named} {'is' if len(fatal) == 1 else 'are'} fatal" if fatal else "")
    lines = [line.strip() for line in output if any(f"({fid})" in line for fid in fatal)]
    return Check(check.name, False, expected, "\n".join([verdict, *(lines or output[-8:])]), seconds)
