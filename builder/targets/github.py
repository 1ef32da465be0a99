"""The GitHub Actions workflow: `builder ci` on every push and pull request, findings to code scanning, the SBOM as
an artifact, and the image pushed to the registry from the push branch only."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan

WORKFLOW = ".github/workflows/builder.yml"
# GitHub's own registry, which the job's token may push to; the workflow lower-cases it (owners may have capitals).
DEFAULT_IMAGE = "ghcr.io/${{ github.repository }}"


class GitHubWorkflowTarget:
    name = "github"
    section = "ci"

    def applies(self, plan: BuildPlan) -> bool:
        return plan.ci.provider == "github"

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        # The branch name is restricted by the spec to [\w./-], so it sits safely inside the expression's quotes.
        push = f"${{{{ github.event_name == 'push' && github.ref == 'refs/heads/{plan.ci.push_branch}' }}}}"
        return [fill(WORKFLOW, "github-workflow.yml.j2", plan=plan, image=plan.ci.image or DEFAULT_IMAGE,
                     push_condition=push, sh=shlex.quote)]
