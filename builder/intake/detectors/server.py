"""Server settings from the app's own start command: worker class, workers, threads, timeout, port."""

from __future__ import annotations

import re

from builder.intake.commands import Command, commands
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Found, Intake, Unexpressed

_WORKER_CLASSES = {"sync": "sync", "gthread": "gthread", "gevent": "gevent", "uvicorn.workers.uvicornworker": "uvicorn",
                   "uvicorn_worker.uvicornworker": "uvicorn", "uvicorn.workers.uvicornh11worker": "uvicorn"}
_NUMBERS = {"workers": ("server.workers", 1, 64), "threads": ("server.threads", 1, 64),
            "timeout": ("server.timeout", 1, 3600)}


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    web = next((c for c in commands(app) if c.process == "web" and c.serves), None)
    if web is None:
        return []
    found: list[Detection] = [Found("fact.start_command", web.text, (web.evidence,))]
    found += _worker_class(web, so_far.value("app.kind"))
    for option, (field, low, high) in _NUMBERS.items():
        value = web.options.get(option, "")
        if value.isdigit() and low <= int(value) <= high:
            found.append(Found(field, int(value), (web.evidence,)))
    if port := _port(web):
        found.append(Found("port", port, (web.evidence,)))
    if web.program != "gunicorn":
        found.append(Unexpressed(f"the app starts with {web.program}; builder serves it with gunicorn and "
                                 "its config instead", (web.evidence,)))
    return found


def _worker_class(web: Command, kind: str | None) -> list[Detection]:
    given = web.options.get("worker-class", "").strip("'\"")
    if not given:
        return []
    chosen = _WORKER_CLASSES.get(given.lower())
    if chosen is None:
        return [Unexpressed(f"worker class {given} is not one builder runs (sync, gthread, gevent, uvicorn)",
                            (web.evidence,))]
    if (chosen == "uvicorn") != (kind == "asgi"):
        return []  # the cross-check would refuse it; the kind from the code decides
    return [Found("server.worker_class", chosen, (web.evidence,))]


def _port(web: Command) -> int | None:
    """A fixed port the app binds (`-b 0.0.0.0:5000`, `--port 8080`); `$PORT` is builder's to set."""
    bind = web.options.get("bind") or web.options.get("port") or ""
    match = re.search(r"(?::|^)(\d{2,5})$", bind)
    return int(match.group(1)) if match and 1 <= int(match.group(1)) <= 65535 else None
