"""Targets that are one file filled from one template: gunicorn.conf.py, builder_probes.py, builder_image.py,
compose.yaml and render.yaml. A target with more to decide (one file per image, a folder of manifests) is a module
of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


def _always(plan: BuildPlan) -> bool:
    return True


@dataclass(frozen=True)
class TemplateFile:
    name: str
    section: str
    filename: str
    template: str
    when: Callable[[BuildPlan], bool] = _always

    def applies(self, plan: BuildPlan) -> bool:
        return self.when(plan)

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(self.filename, self.template, plan=plan)]


GUNICORN = TemplateFile("gunicorn", "server", "gunicorn.conf.py", "gunicorn.conf.py.j2")
# Liveness and readiness in front of an app that has no health routes of its own.
PROBES = TemplateFile("probes", "health", "builder_probes.py", "builder_probes.py.j2",
                      when=lambda plan: plan.health.provider == "builder")
# Run by the Dockerfile's build stages (shrinking, the distroless and traced root filesystems), never in the image.
IMAGE_HELPER = TemplateFile("image-helper", "runtime", "builder_image.py", "builder_image.py.j2")
COMPOSE = TemplateFile("compose", "services", "compose.yaml", "compose.yaml.j2")
RENDER_BLUEPRINT = TemplateFile("render", "render", "render.yaml", "render.yaml.j2")
