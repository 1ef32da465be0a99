"""compose.yaml: the local stack (app, release, services) with healthchecks and hardening."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class ComposeTarget:
    name = "compose"
    section = "services"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill("compose.yaml", "compose.yaml.j2", plan=plan)]
