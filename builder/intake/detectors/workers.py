"""Worker processes the app already runs (Procfile, render.yaml, compose) become `processes`, from the same image."""

from __future__ import annotations

import re

from builder.intake.commands import Command, commands, is_migration
from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Found, Intake, Unexpressed

_QUEUES = ("celery", "rq", "dramatiq", "arq", "huey")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")  # the spec's process names
# builder's own services and processes: a worker named so would collide with them
_TAKEN = frozenset({"web", "release", "app", "postgres", "redis", "db", "database", "cache"})


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    found: list[Detection] = []
    seen: set[str] = set()
    for command in commands(app):
        if not _is_worker(command) or command.text.strip() in seen:
            continue
        seen.add(command.text.strip())
        found.append(_process(command, taken={f.field for f in found if isinstance(f, Found)}))
    packages = dependency_source(app).packages
    queue = next((q for q in _QUEUES if q in packages), None)
    if queue and not found:
        found.append(Unexpressed(f"the app depends on {queue} but no worker command was found (Procfile, "
                                 "render.yaml, compose): its jobs need a worker process (processes: in builder.yaml)",
                                 (packages[queue],)))
    return found


def _is_worker(command: Command) -> bool:
    if command.process in ("web", "release") or command.serves or is_migration(command) or not command.argv:
        return False
    return not command.evidence.file.endswith(".sh")  # a script's other lines are set-up, not processes


def _process(command: Command, *, taken: set[str]) -> Detection:
    name = re.sub(r"[^a-z0-9-]+", "-", command.process.lower()).strip("-")
    if not _NAME.match(name) or name in _TAKEN:
        name = "worker"
    while f"processes.{name}" in taken:
        name = f"{name}-2" if not name[-1].isdigit() else f"{name[:-1]}{int(name[-1]) + 1}"
    return Found(f"processes.{name}", {"command": command.text.strip()}, (command.evidence,),
                 note="runs from the same image; add `proof:` for validate to push a job through it")
