"""make targets for the app: builder.mk holds them; a Makefile that includes it is written only where the app has no
Makefile of its own (then the person adds `include builder.mk` to theirs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan

INCLUDE = "builder.mk"


class MakefileTarget:
    name = "makefile"
    section = "ci"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(INCLUDE, "builder.mk.j2", plan=plan),
                fill("Makefile", "Makefile.j2", plan=plan, if_foreign=f"add `include {INCLUDE}` to it for builder's "
                     "targets (image, validate, lint, scan, report, push, up, down)")]
