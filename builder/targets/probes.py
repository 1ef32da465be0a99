"""builder_probes.py: liveness and readiness in front of an app that has no health routes of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class ProbesTarget:
    name = "probes"
    section = "health"

    def applies(self, plan: BuildPlan) -> bool:
        return plan.health.provider == "builder"

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill("builder_probes.py", "builder_probes.py.j2", plan=plan)]
