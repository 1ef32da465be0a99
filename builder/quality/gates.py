"""The quality gates: lint and scan, on files and on images. Each returns one de-duplicated list of findings.

lint = builder's policy + hadolint (files) or builder's image policy (images).
scan = everything lint reports + trivy: `trivy config` on the Dockerfiles, secrets and (with a database)
vulnerabilities in the image, and a CycloneDX SBOM on request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.dockerfile import Dockerfile, read_dockerfile
from builder.findings import Finding
from builder.quality import trivy
from builder.quality.compose_policy import check_compose, read_compose
from builder.quality.dockerfile_policy import check_dockerfile
from builder.quality.hadolint import hadolint
from builder.quality.image_policy import lint_image
from builder.quality.merge import merge
from builder.quality.targets import find_targets, shown
from builder.spec import IgnoreEntry


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)  # what was skipped and why
    checked: list[str] = field(default_factory=list)  # the files and images looked at


def lint_files(paths: list[Path]) -> Report:
    """builder's Dockerfile and compose policy, plus hadolint, on the files found at paths."""
    dockerfiles, own, checked = _own_file_findings(paths)
    return Report(findings=merge(own, hadolint(dockerfiles)), checked=checked)


def lint_images(client: Any, images: list[str], *, ignore: Sequence[IgnoreEntry] = ()) -> Report:
    """builder's image policy on images in the local engine (read, never run)."""
    return Report(findings=[f for image in images for f in lint_image(client, image, ignore=ignore)],
                  checked=list(images))


def scan_files(paths: list[Path], *, sbom: Path | None = None, db_dir: Path | None = None) -> Report:
    """lint_files plus `trivy config`; with sbom, a CycloneDX SBOM of the first directory's dependencies."""
    dockerfiles, own, checked = _own_file_findings(paths)
    tool_findings = trivy.scan_dockerfiles([(df.path, name) for df, name in dockerfiles])
    if sbom is not None:
        trivy.write_sbom(_project_dir(paths), sbom, db_dir=db_dir)
    return Report(findings=merge(own, hadolint(dockerfiles), tool_findings), checked=checked)


def scan_image(client: Any, image: str, *, sbom: Path | None = None, db_dir: Path | None = None,
               ignore: Sequence[IgnoreEntry] = ()) -> Report:
    """lint_images plus trivy's secret scan, its vulnerability scan when a database is on disk, and an SBOM."""
    own = lint_image(client, image, ignore=ignore)  # first: it says plainly when there is no such image
    found = trivy.scan_image(image, db_dir=db_dir)
    if sbom is not None:
        trivy.write_sbom(image, sbom, db_dir=db_dir)
    return Report(findings=merge(own, found.findings), notes=found.notes, checked=[image])


def combine(*reports: Report) -> Report:
    return Report(findings=[f for r in reports for f in r.findings], notes=[n for r in reports for n in r.notes],
                  checked=[c for r in reports for c in r.checked])


def _own_file_findings(paths: list[Path]) -> tuple[list[tuple[Dockerfile, str]], list[Finding], list[str]]:
    targets = find_targets(paths)
    dockerfiles = [(read_dockerfile(path), shown(path)) for path in targets.dockerfiles]
    own = [f for df, name in dockerfiles for f in check_dockerfile(df, shown_as=name)]
    own += [f for path in targets.compose_files for f in check_compose(read_compose(path, shown_as=shown(path)))]
    own = list(dict.fromkeys(own))  # two Dockerfiles sharing one .dockerignore find its gap once
    return dockerfiles, own, [name for _, name in dockerfiles] + [shown(p) for p in targets.compose_files]


def _project_dir(paths: list[Path]) -> Path:
    return next((p for p in paths if p.is_dir()), paths[0].parent if paths else Path())
