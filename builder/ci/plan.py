"""The CI part of the BuildPlan: where the image goes, which tags it gets, which files the CI run writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from builder import __version__

if TYPE_CHECKING:
    from builder.spec import AppSpec

OUT_DIR = "builder-ci"  # beside builder.yaml; left out of the build context by .dockerignore
# builder needs Python 3.11 or newer on the CI runner; the image's own Python is the base image's.
RUNNER_PYTHON = "3.12"


@dataclass(frozen=True)
class CiFiles:
    """What `builder ci` writes into the output directory, for the CI system to pick up."""

    out_dir: str = OUT_DIR
    lint_sarif: str = f"{OUT_DIR}/lint.sarif"
    scan_sarif: str = f"{OUT_DIR}/scan.sarif"
    sbom: str = f"{OUT_DIR}/sbom.cdx.json"
    junit: str = f"{OUT_DIR}/junit.xml"
    summary: str = f"{OUT_DIR}/summary.md"


@dataclass(frozen=True)
class RenderImage:
    """Render deploys the pushed image (runtime: image) with a registry credential kept in Render."""

    url: str
    credential: str


@dataclass(frozen=True)
class CiPlan:
    provider: Literal["github", "gitlab", "none"]
    image: str | None  # the registry repository; None: the CI system's own default (see the CI targets)
    push_branch: str  # builds of this branch are pushed; its tag is the cache source of every branch
    local_tag: str  # what `builder build` tags locally
    install: str  # the pip requirement that installs this builder (with trivy, for scan) on a runner
    runner_python: str
    files: CiFiles
    render_image: RenderImage | None


def ci_plan(spec: AppSpec) -> CiPlan:
    """The CI decisions for one spec."""
    ci = spec.ci
    render_image = None
    if ci.render_from_registry and ci.image:
        render_image = RenderImage(url=f"{ci.image}:{ci.branch}", credential=ci.render_from_registry)
    return CiPlan(
        provider=ci.provider, image=ci.image, push_branch=ci.branch, local_tag=f"{spec.name}:latest",
        install=ci.install or f"builder[scan]=={__version__}", runner_python=RUNNER_PYTHON, files=CiFiles(),
        render_image=render_image,
    )
