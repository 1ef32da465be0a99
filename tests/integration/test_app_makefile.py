"""`make image` and `make validate` from the generated Makefile, in a scratch copy of an app, as its user runs them.

app_sample is a real app, so it is validated too; the golden apps' code is a one-line stub (`app = None`, they exist
for their generated files), so for them `make image` is what can pass: the image builds from their real locks.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted(p.parent for p in (REPO / "tests" / "golden").glob("*/builder.yaml"))
BUILDER = Path(sys.executable).parent / "builder"


def make(app: Path, target: str) -> str:
    done = subprocess.run(["make", target, f"BUILDER={BUILDER}"], cwd=app, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert done.returncode == 0, f"make {target}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def scratch_copy(source: Path, tmp_path: Path) -> Path:
    app = tmp_path / source.name
    shutil.copytree(source, app, ignore=shutil.ignore_patterns("__pycache__", "builder-ci"))
    assert (app / "Makefile").read_text().endswith("include builder.mk\n")
    return app


def test_make_image_and_validate_in_app_sample(tmp_path: Path, python_stand_in: None) -> None:
    app = scratch_copy(REPO / "app_sample", tmp_path)
    assert "image      gradebook:latest" in make(app, "image")
    # app_sample asks for Postgres 16; where only a 15 stand-in exists, the pass carries that warning.
    assert re.search(r"^(all checks passed|passed with 1 warning\(s\) \(--strict fails on them\)) in ",
                     make(app, "validate"), re.MULTILINE)


@pytest.mark.parametrize("source", GOLDEN, ids=lambda p: p.name)
def test_make_image_in_each_golden_app(source: Path, tmp_path: Path, python_stand_in: None) -> None:
    app = scratch_copy(source, tmp_path)
    name = next(line.split(":", 1)[1].strip() for line in (app / "builder.yaml").read_text().splitlines()
                if line.startswith("name:"))
    assert f"image      {name}:latest" in make(app, "image")
