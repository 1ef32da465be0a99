"""The image's files: one Dockerfile per image target (local, Render)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class DockerfileTarget:
    name = "dockerfile"
    section = "images"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(image.filename, "Dockerfile.j2", plan=plan, image=image) for image in plan.images]
