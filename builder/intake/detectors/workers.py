"""Worker processes (Procfile, render.yaml, compose): builder.yaml has no processes yet, so they are reported."""

from __future__ import annotations

from builder.intake.commands import commands, is_migration
from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Intake, Unexpressed

_QUEUES = ("celery", "rq", "dramatiq", "arq", "huey")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    found: list[Detection] = []
    for command in commands(app):
        if command.process in ("web", "release") or command.serves or is_migration(command) or not command.argv:
            continue
        if command.evidence.file.endswith(".sh"):
            continue
        found.append(Unexpressed(f"worker process `{command.process}` ({command.text.strip()[:120]}): builder.yaml "
                                 "has no processes; run it as its own service from the same image",
                                 (command.evidence,)))
    packages = dependency_source(app).packages
    queue = next((q for q in _QUEUES if q in packages), None)
    if queue and not found:
        found.append(Unexpressed(f"the app depends on {queue} but no worker command was found (Procfile, "
                                 "render.yaml, compose): its jobs need a worker process", (packages[queue],)))
    return found
