"""Worker programs: how each is recognised from its command, stopped, and health-checked in compose.

Order matters only in that `command` (any program, checked by its process being alive) comes last.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any, Protocol

from builder.spec import ProcessSection

# PID 1 is alive and not a zombie: all that can be said of a program builder does not know.
_ALIVE = "import sys;sys.exit(0 if open('/proc/1/stat').read().split()[2] not in 'ZX' else 1)"


class WorkerProgram(Protocol):
    name: str
    stop_signal: str

    def matches(self, argv: list[str]) -> bool: ...
    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]: ...


def _argv(section: ProcessSection) -> list[str]:
    try:
        return shlex.split(section.command)
    except ValueError:
        return section.command.split()


def _program(argv: list[str]) -> str:
    words = [w for w in argv if "=" not in w]  # skip FOO=bar prefixes
    if words[:2] in (["python", "-m"], ["python3", "-m"]) and len(words) > 2:
        return words[2]
    return words[0].rsplit("/", 1)[-1] if words else ""


def _option(argv: list[str], *names: str) -> str | None:
    for index, word in enumerate(argv):
        for name in names:
            if word == name and index + 1 < len(argv):
                return argv[index + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def _redis_variable(env: Mapping[str, Any]) -> str:
    return next((name for name, var in env.items() if var.from_service == "redis" and var.part == "url"), "REDIS_URL")


class Rq:
    """rq: healthy while a worker of this container's hostname is registered in Redis."""

    name = "rq"
    stop_signal = "SIGTERM"  # warm shutdown: the current job finishes

    def matches(self, argv: list[str]) -> bool:
        return _program(argv) == "rq"

    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]:
        url = _option(_argv(section), "--url", "-u")
        source = repr(url) if url and "$" not in url else f"os.environ.get({_redis_variable(env)!r},'redis://localhost')"
        code = ("import os,socket,sys;from redis import Redis;from rq import Worker;"
                f"c=Redis.from_url({source});"
                "sys.exit(0 if any(w.hostname==socket.gethostname() for w in Worker.all(connection=c)) else 1)")
        return [python, "-c", code]


class Celery:
    """celery: a worker answers `inspect ping` under its default node name; beat has no such answer."""

    name = "celery"
    stop_signal = "SIGTERM"  # warm shutdown

    def matches(self, argv: list[str]) -> bool:
        return _program(argv) == "celery"

    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]:
        argv = _argv(section)
        app = _option(argv, "-A", "--app")
        if app is None or "beat" in argv or "worker" not in argv:
            return [python, "-c", _ALIVE]
        code = ("import socket,subprocess,sys;sys.exit(subprocess.call(['celery','-A',"
                f"{app!r},'inspect','ping','--timeout','5','-d','celery@'+socket.gethostname()]))")
        return [python, "-c", code]


class Arq:
    """arq: `arq --check` reads the health key the worker writes to Redis."""

    name = "arq"
    stop_signal = "SIGTERM"

    def matches(self, argv: list[str]) -> bool:
        return _program(argv) == "arq"

    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]:
        settings = next((w for w in _argv(section)[1:] if not w.startswith("-")), None)
        return ["arq", "--check", settings] if settings else [python, "-c", _ALIVE]


class Dramatiq:
    name = "dramatiq"
    stop_signal = "SIGTERM"  # workers finish their current message

    def matches(self, argv: list[str]) -> bool:
        return _program(argv) == "dramatiq"

    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]:
        return [python, "-c", _ALIVE]


class AnyCommand:
    name = "command"
    stop_signal = "SIGTERM"

    def matches(self, argv: list[str]) -> bool:
        return True

    def healthcheck(self, section: ProcessSection, *, python: str, env: Mapping[str, Any]) -> list[str]:
        return [python, "-c", _ALIVE]


WORKER_PROGRAMS: tuple[WorkerProgram, ...] = (Rq(), Celery(), Arq(), Dramatiq(), AnyCommand())


def worker_program(section: ProcessSection) -> WorkerProgram:
    """The spec's `kind`, else the program its command runs."""
    if section.kind:
        return next(p for p in WORKER_PROGRAMS if p.name == section.kind)
    argv = _argv(section)
    return next(p for p in WORKER_PROGRAMS if p.matches(argv))
