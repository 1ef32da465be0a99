"""The GitLab CI file: `builder ci` in a Docker-in-Docker job, JUnit and CycloneDX reports for the merge request,
and the image pushed to the registry from the push branch only."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan

PIPELINE = ".gitlab-ci.yml"
DEFAULT_IMAGE = "$CI_REGISTRY_IMAGE"  # the project's own container registry


class GitLabCiTarget:
    name = "gitlab"
    section = "ci"

    def applies(self, plan: BuildPlan) -> bool:
        return plan.ci.provider == "gitlab"

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(PIPELINE, "gitlab-ci.yml.j2", plan=plan, image=plan.ci.image or DEFAULT_IMAGE, sh=shlex.quote)]
