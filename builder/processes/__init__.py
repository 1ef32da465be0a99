"""Process kinds: each turns its part of the spec into plan entries, and knows how its program is checked.

The web server always; the release command when the spec has one; each of `processes:` as a worker (one module per
program: rq, celery, dramatiq, arq, or any command) or, with a schedule, a cron job. A new program is one module
in builder/processes/workers.py's registry.
"""

from __future__ import annotations

import shlex
from typing import Protocol

from builder.plan.model import JobProofPlan, ProcessPlan, ServerPlan, SmokePlan
from builder.processes.workers import worker_program
from builder.spec import AppSpec, ProcessSection, SmokeRequest


class ProcessKind(Protocol):
    kind: str

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[
        ProcessPlan]: ...


def exec_form(command: str) -> list[str]:
    """A command as exec form. One that reads $VARIABLES (Procfile style) goes through the shell, with `exec` so the
    program itself is PID 1 and receives SIGTERM."""
    if "$" in command:
        return ["/bin/sh", "-c", f"exec {command}"]
    return shlex.split(command)


class Web:
    """The HTTP server: the image's CMD; it stops within the server's graceful timeout."""

    kind = "web"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[
            ProcessPlan]:
        return [ProcessPlan("web", self.kind, "gunicorn", web_command, "SIGTERM", server.graceful_timeout)]


class Release:
    """The release command (migrations): runs once before the new web processes start, and must exit 0."""

    kind = "release"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[
            ProcessPlan]:
        if not spec.release:
            return []
        return [ProcessPlan("release", self.kind, "command", exec_form(spec.release), "SIGTERM",
                            server.graceful_timeout)]


class Workers:
    """Each entry of `processes:` without a schedule: a long-running worker with its program's healthcheck."""

    kind = "worker"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[
            ProcessPlan]:
        found = []
        for name, section in sorted(spec.processes.items()):
            if section.schedule is None:
                program = worker_program(section)
                found.append(ProcessPlan(
                    name, self.kind, program.name, exec_form(section.command), program.stop_signal,
                    section.grace_seconds, healthcheck=program.healthcheck(section, python=python, env=spec.env),
                    connections=_connections(spec, section), proof=_proof(section)))
        return found


class Cron:
    """Each entry of `processes:` with a schedule: runs its command and exits 0 (Render `cron`, UTC)."""

    kind = "cron"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[
            ProcessPlan]:
        return [ProcessPlan(name, self.kind, "command", exec_form(section.command), "SIGTERM", section.grace_seconds,
                            schedule=section.schedule, connections=_connections(spec, section))
                for name, section in sorted(spec.processes.items()) if section.schedule is not None]


def _connections(spec: AppSpec, section: ProcessSection) -> int:
    if section.connections is not None:
        return section.connections
    return spec.pool.size + spec.pool.max_overflow if spec.services.postgres else 0


def smoke_plan(request: SmokeRequest) -> SmokePlan:
    return SmokePlan(request.method, request.path, request.json_body, request.status, request.body_contains)


def _proof(section: ProcessSection) -> JobProofPlan | None:
    proof = section.proof
    if proof is None:
        return None
    return JobProofPlan(smoke_plan(proof.enqueue), smoke_plan(proof.done), proof.within_seconds)


# The order is the order processes appear in the plan and start in compose and validation: the release (against the
# empty database) before the web server, workers after it, cron jobs last (they run once, on demand).
PROCESS_KINDS: tuple[ProcessKind, ...] = (Release(), Web(), Workers(), Cron())


def plan_processes(spec: AppSpec, *, web_command: list[str], server: ServerPlan, python: str) -> list[ProcessPlan]:
    return [p for kind in PROCESS_KINDS
            for p in kind.processes(spec, web_command=web_command, server=server, python=python)]
