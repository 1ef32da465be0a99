"""gunicorn.conf.py: the server settings of the plan, read by gunicorn at start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class GunicornTarget:
    name = "gunicorn"
    section = "server"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill("gunicorn.conf.py", "gunicorn.conf.py.j2", plan=plan)]
