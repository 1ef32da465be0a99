"""A container's log: its last lines, and the one line in them a person would look for first."""

from __future__ import annotations

import re
from typing import Any

import requests
from docker.errors import DockerException

LOG_TAIL = 30  # lines kept for a report
FULL_LOG = 1000  # lines searched for the root cause when a container exits: a traceback can be long


def log_tail(container: Any, lines: int = LOG_TAIL) -> list[str]:
    """The container's last log lines, or a note when the engine cannot give them."""
    try:
        text: bytes = container.logs(tail=lines)
    except (DockerException, requests.RequestException) as exc:
        return [f"(no log: {exc})"]
    return text.decode(errors="replace").rstrip().splitlines()


def telling_line(lines: list[str]) -> str:
    """What a person would look for first: the first exception a traceback ends with (the root cause, before any
    follow-on such as gunicorn's HaltServer), else the last line naming an error, else the last line."""
    raised = [line for line in lines if re.match(r"[\w.]*(Error|Exception)(:|$)", line.strip())]
    errors = [line for line in lines if re.search(r"error|exception", line, re.IGNORECASE)]
    return (raised[:1] or errors[-1:] or lines[-1:] or ["(empty log)"])[0].strip()
