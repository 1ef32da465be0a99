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
    follow-on such as gunicorn's HaltServer), else the first OS error (`[Errno 30] ...`), else the last line naming
    an error, else the last line. Log-record prefixes (`[time: LEVEL/Process]`) are looked past: celery logs a
    traceback piece by piece, so an exception's name and its message can stand on lines of their own."""
    messages = [_PREFIX.sub("", line).strip() for line in lines]
    raised = [m for m in messages if re.match(r"[\w.]*(Error|Exception): \S", m)]
    os_errors = [m for m in messages if re.search(r"\[Errno -?\d+\]", m)]
    bare = [m for m in messages if re.fullmatch(r"[\w.]*(Error|Exception):?", m)]
    errors = [line.strip() for line in lines if re.search(r"error|exception", line, re.IGNORECASE)]
    return (raised[:1] or os_errors[:1] or bare[:1] or errors[-1:] or lines[-1:] or ["(empty log)"])[0].strip()


# A log record's prefixes: celery's `[2026-12-01 13:09:50,951: WARNING/MainProcess]`, gunicorn's `[time] [pid] [LEVEL]`.
# `[Errno 30]` starts an OS error's message: no prefix.
_PREFIX = re.compile(r"^\s*(\[(?!Errno )[^\]]*\]\s*)+")
