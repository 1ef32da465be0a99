"""Output targets: each names the plan section it formats, its templates and the files it writes.

`generate` iterates TARGETS; adding an output (CI files, Kubernetes manifests) is one module here, one template and
one golden directory. A target only formats the plan: every decision was made in `plan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from builder.targets.compose import ComposeTarget
from builder.targets.docker import DockerfileTarget, DockerignoreTarget
from builder.targets.github import GitHubWorkflowTarget
from builder.targets.gitlab import GitLabCiTarget
from builder.targets.gunicorn import GunicornTarget
from builder.targets.makefile import MakefileTarget
from builder.targets.probes import ProbesTarget
from builder.targets.render import RenderBlueprintTarget

if TYPE_CHECKING:
    from builder.plan import BuildPlan
    from builder.templates import Artifact


class OutputTarget(Protocol):
    name: str  # what `builder plan` and the README call it
    section: str  # the part of the BuildPlan it formats

    def applies(self, plan: BuildPlan) -> bool: ...
    def artifacts(self, plan: BuildPlan) -> list[Artifact]: ...


# Order is the order `generate` writes and reports files: the image first (what `build` needs), then what runs it
# locally, then the platform, then CI and make. Nothing depends on another target's output: the order is for people.
TARGETS: tuple[OutputTarget, ...] = (
    DockerfileTarget(), DockerignoreTarget(), GunicornTarget(), ProbesTarget(), ComposeTarget(),
    RenderBlueprintTarget(), GitHubWorkflowTarget(), GitLabCiTarget(), MakefileTarget(),
)


def artifacts_for(plan: BuildPlan) -> list[Artifact]:
    """Every generated file for one plan, target by target."""
    return [artifact for target in TARGETS if target.applies(plan) for artifact in target.artifacts(plan)]
