"""Containers the report starts: named for the report, removed however the measurement ends."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from docker.errors import DockerException

NAME_PREFIX = "builder-report"
LABELS = {"builder.report": "1"}


@contextmanager
def created(client: Any, image: str, purpose: str, **options: Any) -> Iterator[Any]:
    """A created (not yet started) container of `image`; removed with its volumes afterwards, start-up failures too."""
    name = f"{NAME_PREFIX}-{purpose}-{secrets.token_hex(4)}"
    container = client.containers.create(image, name=name, labels=LABELS, **options)
    try:
        yield container
    finally:
        with suppress(DockerException):
            container.remove(force=True, v=True)
