"""runtime.profile traced on the FastAPI and Django goldens and app_sample: `builder trace` as a user runs it (slim
image validated while recorded, the list written, the traced image validated again), and app_sample's committed
builder.trace with sources and bytecode only, each passing the whole of `builder validate`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from builder.build import build_image
from builder.cli import main
from builder.generate import write_artifacts
from builder.project import load_project
from builder.targets import artifacts_for
from builder.validate.runner import validate_image

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("golden", ["fastapi-uvicorn", "django-whitenoise"])
def test_builder_trace_proves_the_traced_image_of_each_framework(golden: str, docker_client: Any,
                                                                 python_stand_in: None, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / golden
    shutil.copytree(REPO / "tests" / "golden" / golden, root, ignore=shutil.ignore_patterns("__pycache__"))
    capsys.readouterr()
    code = main(["--spec", str(root), "trace"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert "traced image passed the same validation and imports every module" in out
    slim, traced = (float(m) for m in re.findall(r"(?:slim|traced) image \S+:trace-\w+(?:,|:) ([\d.]+) MB", out))
    assert traced < slim / 2, out
    listed = [line for line in (root / "builder.trace").read_text().splitlines() if not line.startswith("#")]
    assert listed == sorted(set(listed)) and all(line.startswith("/") for line in listed)


@pytest.mark.parametrize(("runtime", "limit_mb"), [("  profile: traced\n", 80), (
    "  profile: traced\n  bytecode_only: true\n", 60)], ids=["sources", "bytecode-only"])
def test_app_sample_traced_from_its_committed_list(runtime: str, limit_mb: int, docker_client: Any,
                                                   python_stand_in: None, tmp_path: Path) -> None:
    root = tmp_path / "app_sample"
    shutil.copytree(REPO / "app_sample", root, ignore=shutil.ignore_patterns("__pycache__"))
    spec = root / "builder.yaml"
    spec.write_text(spec.read_text() + f"runtime:\n{runtime}")
    project = load_project(root)
    write_artifacts(root, artifacts_for(project.plan), spec=project.spec_path)
    tag = f"builder-test/gradebook:traced-{limit_mb}"
    built = build_image(project.plan, root, docker_client, tag=tag)
    try:
        report = validate_image(project.plan, tag, docker_client)
        assert report.passed, [(c.name, c.seen) for c in report.checks if c.failed]
        assert built.size_bytes <= limit_mb * 1e6, built.size_bytes
    finally:
        docker_client.images.remove(tag, force=True)
