"""Containers for a validation run: a private network, Postgres and Redis, each a context manager that removes
what it made. Testcontainers starts them; its reaper (Ryuk) is off because its image needs a registry, so every
container and network carries builder's labels and `sweep` removes whatever a run left behind."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException, NotFound
from testcontainers.core.config import testcontainers_config
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from builder.bases import resolve_base
from builder.errors import TransientError
from builder.plan import ServicePlan
from builder.services import service as service_module
from builder.validate.report import LOG_TAIL, ServiceUsed

LABEL = "builder.validate"  # value: the run id
LABEL_APP = "builder.validate.app"
SERVICE_READY_TIMEOUT = 90.0
POLL_SECONDS = 0.5
FULL_LOG = 1000  # lines searched for the root cause when a container exits: a traceback can be long

Progress = Callable[[str], None]


def run_labels(run_id: str, app: str) -> dict[str, str]:
    """The labels on everything one run creates; `sweep` and the tests find leftovers by them."""
    return {LABEL: run_id, LABEL_APP: app}


def new_run_id() -> str:
    return secrets.token_hex(4)


def disable_reaper() -> None:
    """Ryuk's image comes from a registry that may be unreachable; our context managers and `sweep` clean up."""
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    testcontainers_config.ryuk_disabled = True


@contextmanager
def private_network(run_id: str, labels: dict[str, str]) -> Iterator[Network]:
    """A bridge network of its own: the host reaches container IPs on it, other stacks do not."""
    network = Network(docker_network_kw={"labels": labels, "driver": "bridge"})
    network.name = f"builder-validate-{run_id}"
    with network:
        yield network


def sweep(client: Any, run_id: str) -> None:
    """Remove every container, then every network and volume, labelled with this run id (also after Ctrl-C)."""
    selector = {"label": f"{LABEL}={run_id}"}
    # NotFound: already gone, the context managers got there first.
    for container in client.containers.list(all=True, filters=selector):
        with suppress(NotFound):
            container.remove(force=True, v=True)
    for network in client.networks.list(filters=selector):
        with suppress(NotFound):
            network.remove()
    for volume in client.volumes.list(filters=selector):
        with suppress(NotFound):
            volume.remove(force=True)


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


def start_service(stack: ExitStack, client: Any, service: ServicePlan, network: Network, labels: dict[str, str],
                  *, on_progress: Progress) -> RunningService:
    """Start one declared service on the network under its plan name, and wait until it answers."""
    used = service_image(client, service)
    on_progress(f"starting {service.kind}: {used.describe()}")
    container, url = service_module(service.kind).container(service, used.image, labels)
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
        container.reload()
        if container.status == "exited":
            raise _service_error(service, f"exited with code {container.attrs['State']['ExitCode']}")
        if container.exec_run(service.ready_command()).exit_code == 0:
            return time.monotonic() - started
        time.sleep(POLL_SECONDS)
    raise _service_error(service, f"did not become ready within {timeout:g} s")


def _service_error(service: RunningService, what: str) -> TransientError:
    log = "\n  | ".join(log_tail(service.docker))
    return TransientError(f"{service.plan.kind} ({service.used.image}) {what}; its log ends:\n  | {log}",
                          hint="check `docker info` for free memory and disk, then run `builder validate` again")


def log_tail(container: Any, lines: int = LOG_TAIL) -> list[str]:
    """The container's last log lines, or a note when the engine cannot give them."""
    try:
        text: bytes = container.logs(tail=lines)
    except DockerException as exc:
        return [f"(no log: {exc})"]
    return text.decode(errors="replace").rstrip().splitlines()


def telling_line(lines: list[str]) -> str:
    """What a person would look for first: the first exception a traceback ends with (the root cause, before any
    follow-on such as gunicorn's HaltServer), else the last line naming an error, else the last line."""
    raised = [line for line in lines if re.match(r"[\w.]*(Error|Exception)(:|$)", line.strip())]
    errors = [line for line in lines if re.search(r"error|exception", line, re.IGNORECASE)]
    return (raised[:1] or errors[-1:] or lines[-1:] or ["(empty log)"])[0].strip()


def wait_for_exit(container: Any, *, timeout: float) -> int | None:
    """The exit code once the container stops, or None if it still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            return int(container.attrs["State"]["ExitCode"])
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)
