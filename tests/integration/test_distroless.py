"""runtime.profile distroless on the real engine: the image has no shell and no setuid file, passes the whole of
`builder validate`, is smaller than slim, and `builder report` shows what each shrinking step saved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from docker.errors import APIError

from builder.build import BuildResult, build_image
from builder.cli import main
from builder.generate import write_artifacts
from builder.project import load_project
from builder.targets import artifacts_for
from builder.validate.runner import validate_image

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
FRAMEWORK_APPS = ["app_sample", "tests/golden/django-whitenoise", "tests/golden/fastapi-uvicorn"]


def with_profile(source: Path, tmp_path: Path, runtime: str) -> Path:
    root = tmp_path / source.name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__"))
    spec = root / "builder.yaml"
    spec.write_text(spec.read_text() + f"runtime:\n{runtime}")
    project = load_project(root)
    write_artifacts(root, artifacts_for(project.plan), spec=project.spec_path)
    return root


def build(root: Path, client: Any, tag: str) -> BuildResult:
    return build_image(load_project(root).plan, root, client, tag=tag)


@pytest.mark.parametrize("app", FRAMEWORK_APPS)
def test_distroless_passes_validate_with_no_shell(app: str, docker_client: Any, python_stand_in: None,
                                                  tmp_path: Path) -> None:
    root = with_profile(REPO / app, tmp_path, "  profile: distroless\n")
    tag = f"builder-test/{Path(app).name}:distroless"
    built = build(root, docker_client, tag)
    try:
        report = validate_image(load_project(root).plan, tag, docker_client)
        assert report.passed, [(c.name, c.seen) for c in report.checks if c.failed]
        assert any(c.name == "SIGTERM" and c.passed for c in report.checks)
        container = docker_client.containers.create(tag, entrypoint=["/bin/sh", "-c", "true"])
        try:
            with pytest.raises(APIError, match="/bin/sh"):
                container.start()
        finally:
            container.remove(force=True)
        assert main(["--spec", str(root), "lint", "--image", tag]) == 0
        assert built.size_bytes < 120e6
    finally:
        docker_client.images.remove(tag, force=True)


def test_distroless_is_smaller_than_slim_and_report_shows_each_step(
        sample_build: tuple[BuildResult, Any, Path], docker_client: Any, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    slim = sample_build[0]
    root = with_profile(REPO / "app_sample", tmp_path, "  profile: distroless\n")
    tag = "builder-test/gradebook:distroless-report"
    built = build(root, docker_client, tag)
    try:
        assert built.size_bytes < slim.size_bytes * 0.6, (built.size_bytes, slim.size_bytes)
        capsys.readouterr()
        assert main(["--spec", str(root), "report", "--image", tag, "--no-start", "--json"]) == 0
        steps = {s["step"]: s for s in json.loads(capsys.readouterr().out)["image"]["shrink"]}
        assert steps["strip debug symbols"]["bytes_saved"] > 1_000_000
        assert steps["leave out unused standard library parts"]["files"] > 0
        assert "drop unused test and doc folders" in steps
    finally:
        docker_client.images.remove(tag, force=True)
