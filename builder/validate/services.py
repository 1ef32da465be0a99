"""The services of a validation run, Postgres and Redis, each a context manager that removes what it made.

Testcontainers starts them; its reaper (Ryuk) is off because its image needs a registry, so every container carries
the run's labels (builder.containers) and `sweep` removes whatever a run left behind."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from builder.bases import resolve_base
from builder.containers import Run, exited, log_tail
from builder.errors import TransientError
from builder.plan import ServicePlan
from builder.services import service as service_module
from builder.validate.report import ServiceUsed

SERVICE_READY_TIMEOUT = 90.0
POLL_SECONDS = 0.5

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunningService:
    """A started service: its container, which image ran it, and the URL the app gets for it."""

    plan: ServicePlan
    used: ServiceUsed
    container: DockerContainer
    url: str

    @property
    def docker(self) -> Any:
        return self.container.get_wrapped_container()

    def ready_command(self) -> list[str]:
        return self.plan.ready_command


def start_service(stack: ExitStack, client: Any, service: ServicePlan, network: Network, run: Run,
                  *, on_progress: Progress, command: list[str] | None = None) -> RunningService:
    """Start one declared service on the network under its plan name, and wait until it answers."""
    used = service_image(client, service)
    on_progress(f"starting {service.kind}: {used.describe()}")
    container, url = service_module(service.kind).container(service, used.image, run.labels)
    if command:  # e.g. Postgres under a connection cap for `validate --load`
        container.with_command(command)
    container.with_network(network).with_network_aliases(service.name)
    started = time.monotonic()
    running = RunningService(service, used, stack.enter_context(container), url)
    wait_until_ready(running, timeout=SERVICE_READY_TIMEOUT)
    on_progress(f"{service.kind} ready in {time.monotonic() - started:.1f} s")
    return running


def service_image(client: Any, service: ServicePlan) -> ServiceUsed:
    """The official image when present or pullable, else the local stand-in, and how the stand-in differs."""
    base = resolve_base(client, service.image)
    return ServiceUsed(service.kind, base.requested, base.used, base.stand_in,
                       service.image.mismatch() if base.stand_in else "")


def wait_until_ready(service: RunningService, *, timeout: float) -> float:
    """Seconds until the service's own readiness command succeeds; TransientError (with its log) if it never does."""
    started = time.monotonic()
    container = service.docker
    while time.monotonic() - started < timeout:
        if exited(container):
            raise _service_error(service, f"exited with code {container.attrs['State']['ExitCode']}")
        if container.exec_run(service.ready_command()).exit_code == 0:
            return time.monotonic() - started
        time.sleep(POLL_SECONDS)
    raise _service_error(service, f"did not become ready within {timeout:g} s")


def _service_error(service: RunningService, what: str) -> TransientError:
    log = "\n  | ".join(log_tail(service.docker))
    return TransientError(f"{service.plan.kind} ({service.used.image}) {what}; its log ends:\n  | {log}",
                          hint="check `docker info` for free memory and disk, then run `builder validate` again")
