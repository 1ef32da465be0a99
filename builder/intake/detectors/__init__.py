"""Detectors, one per thing intake finds, in one ordered registry. Each reads the app and what earlier ones found.

Order matters: the entry point comes first (the server flags, health routes and build steps depend on the
framework and its module); dependencies come before services (drivers name the services) and services before
environment variables (a URL variable is wired from a declared service); the release before the workers, which
leave out the commands the release already covers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from builder.intake.detectors import (
    build_steps,
    dependencies,
    entry_point,
    env_vars,
    health,
    name,
    own_files,
    python_version,
    release,
    server,
    services,
    workers,
)
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake, Unexpressed


class Detector(Protocol):
    def __call__(self, app: AppFiles, so_far: Intake) -> list[Detection]: ...


DETECTORS: tuple[Detector, ...] = (
    entry_point.detect, name.detect, server.detect, dependencies.detect, python_version.detect, services.detect,
    env_vars.detect, release.detect, build_steps.detect, health.detect, workers.detect, own_files.detect,
)


def run(app: AppFiles, *, module: str | None = None) -> Intake:
    """Every detector over the app, in order; `module` is the entry point the user named, if any."""
    given = (Found("app.module", module, (Evidence("builder init --module"),)),) if module else ()
    intake = Intake(root=str(app.root), found=given)
    for detector in DETECTORS:
        found = detector(app, intake)
        intake = replace(intake, found=(*intake.found, *(f for f in found if isinstance(f, Found))),
                         unexpressed=(*intake.unexpressed, *(u for u in found if isinstance(u, Unexpressed))))
    return intake
