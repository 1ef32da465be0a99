"""The dependency input `builder lock` reads, and the tool that manages it."""

from __future__ import annotations

from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Found, Intake


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    deps = dependency_source(app)
    return [Found("dependencies.source", deps.source, (deps.evidence,)),
            Found("fact.dependency_tool", deps.tool, (deps.evidence,)),
            Found("fact.packages", sorted(deps.packages), (deps.evidence,))]
