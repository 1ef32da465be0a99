"""Process kinds: each turns its part of the spec into plan entries. Web always; release when the spec has one.

Workers and cron jobs join as kinds here: one class each, in PROCESS_KINDS.
"""

from __future__ import annotations

import shlex
from typing import Protocol

from builder.plan.model import ProcessPlan, ServerPlan
from builder.spec import AppSpec


class ProcessKind(Protocol):
    kind: str

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan) -> list[ProcessPlan]: ...


class Web:
    """The HTTP server: the image's CMD; it stops within the server's graceful timeout."""

    kind = "web"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan) -> list[ProcessPlan]:
        return [ProcessPlan("web", self.kind, web_command, "SIGTERM", server.graceful_timeout)]


class Release:
    """The release command (migrations): runs once before the new web processes start, and must exit 0."""

    kind = "release"

    def processes(self, spec: AppSpec, *, web_command: list[str], server: ServerPlan) -> list[ProcessPlan]:
        if not spec.release:
            return []
        return [ProcessPlan("release", self.kind, shlex.split(spec.release), "SIGTERM", server.graceful_timeout)]


# The order is the order processes appear in the plan; compose and validation start the release before the web.
PROCESS_KINDS: tuple[ProcessKind, ...] = (Release(), Web())


def plan_processes(spec: AppSpec, *, web_command: list[str], server: ServerPlan) -> list[ProcessPlan]:
    return [p for kind in PROCESS_KINDS for p in kind.processes(spec, web_command=web_command, server=server)]
