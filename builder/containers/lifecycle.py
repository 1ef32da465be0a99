"""Containers and networks that live for one operation, and what an engine failure during one means."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import requests
from docker.errors import DockerException
from testcontainers.core.config import testcontainers_config
from testcontainers.core.network import Network

from builder.containers.labels import Run, sweep
from builder.errors import TransientError, engine_words


@contextmanager
def throwaway(client: Any, image: str, *, run: Run, what: str, **options: Any) -> Iterator[Any]:
    """A created (not yet started) container of `image`, under the run's labels; removed with its volumes however
    the block ends, a failed start included. `options` are the docker SDK's `containers.create` arguments."""
    try:
        container = client.containers.create(image, name=run.name(what), labels=run.labels, **options)
    except requests.RequestException:
        # The engine may have made it before the answer was lost: find it by its labels.
        with suppress(DockerException, requests.RequestException):
            sweep(client, run)
        raise
    try:
        yield container
    finally:
        with suppress(DockerException, requests.RequestException):
            container.remove(force=True, v=True)


@contextmanager
def engine_failures(doing: str, *, retry: str = "") -> Iterator[None]:
    """An engine error inside the block is transient (exit 3), with what we were doing in front of it.

    `retry` is the command to run again, for the hint.
    """
    try:
        yield
    except (DockerException, requests.RequestException) as exc:
        again = f"run `{retry}` again" if retry else "try again"
        raise TransientError(f"{doing}: the Docker engine failed: {engine_words(exc)}",
                             hint=f"check `docker info`, then {again}") from exc


def disable_reaper() -> None:
    """Ryuk's image comes from a registry that may be unreachable; our context managers and `sweep` clean up."""
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    testcontainers_config.ryuk_disabled = True


@contextmanager
def private_network(run: Run) -> Iterator[Network]:
    """A bridge network of the run's own: the host reaches container IPs on it, other stacks do not."""
    network = Network(docker_network_kw={"labels": run.labels, "driver": "bridge"})
    network.name = run.name()
    with network:
        yield network
