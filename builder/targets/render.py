"""render.yaml: the Render.com Blueprint (web service on Dockerfile.render, database, Key Value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class RenderBlueprintTarget:
    name = "render"
    section = "render"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill("render.yaml", "render.yaml.j2", plan=plan)]
