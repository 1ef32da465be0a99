"""Output targets: each names the plan section it formats, its templates and the files it writes.

`generate` iterates TARGETS; adding an output (CI files, Kubernetes manifests) is one module here (or one
TemplateFile in files.py for a single filled template), its templates, and its files in the golden directories.
A target only formats the plan: every decision was made in `plan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from builder.targets.docker import DockerfileTarget, DockerignoreTarget
from builder.targets.files import COMPOSE, GUNICORN, IMAGE_HELPER, PROBES, RENDER_BLUEPRINT
from builder.targets.github import GitHubWorkflowTarget
from builder.targets.gitlab import GitLabCiTarget
from builder.targets.kubernetes import KubernetesTarget
from builder.targets.makefile import MakefileTarget

if TYPE_CHECKING:
    from builder.plan import BuildPlan
    from builder.templates import Artifact


class OutputTarget(Protocol):
    @property
    def name(self) -> str: ...  # what `builder plan` and the README call it
    @property
    def section(self) -> str: ...  # the part of the BuildPlan it formats

    def applies(self, plan: BuildPlan) -> bool: ...
    def artifacts(self, plan: BuildPlan) -> list[Artifact]: ...


# Order is the order `generate` writes and reports files: the image first (what `build` needs), then what runs it
# locally, then the platform, then CI and make. Nothing depends on another target's output: the order is for people.
TARGETS: tuple[OutputTarget, ...] = (
    DockerfileTarget(), IMAGE_HELPER, DockerignoreTarget(), GUNICORN, PROBES, COMPOSE, RENDER_BLUEPRINT,
    KubernetesTarget(), GitHubWorkflowTarget(), GitLabCiTarget(), MakefileTarget(),
)


def artifacts_for(plan: BuildPlan) -> list[Artifact]:
    """Every generated file for one plan, target by target."""
    return [artifact for target in TARGETS if target.applies(plan) for artifact in target.artifacts(plan)]
