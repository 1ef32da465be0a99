"""Containers the report starts: named for the report, removed however the measurement ends."""

from __future__ import annotations

import secrets
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
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


def first_line(exc: BaseException) -> str:
    """The engine's own words, without the SDK's URL in front: `exec: "python3": executable file not found`."""
    text = str(getattr(exc, "explanation", None) or exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so a cancelled CI job still removes the containers and images it started."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
