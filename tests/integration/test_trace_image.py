"""`builder trace` for real, on a planted app whose /colour route imports colorsys and is never requested: static
analysis keeps colorsys and the traced image passes; with colorsys cut from builder.trace by hand, the traced image's
verification fails naming it, and never passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RARELY = REPO / "tests" / "fixtures" / "trace" / "rarely"


def builder(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"BUILDER_CA_CERT": os.environ.get("BUILDER_CA_CERT", "/etc/ssl/certs/ca-certificates.crt")}
    return subprocess.run([sys.executable, "-m", "builder", "--spec", str(root), *args], capture_output=True,
                          text=True, timeout=1200, env=env, cwd=REPO)


@pytest.fixture
def rarely(tmp_path: Path, docker_client: object, python_stand_in: None) -> Path:
    root = tmp_path / "rarely"
    shutil.copytree(RARELY, root, ignore=shutil.ignore_patterns("__pycache__", "builder.trace"))
    assert builder(root, "generate").returncode == 0
    return root


def test_trace_keeps_what_static_analysis_reaches_and_a_cut_trace_never_passes(rarely: Path) -> None:
    traced = builder(rarely, "trace", "--json")
    trace = (rarely / "builder.trace").read_text()
    lines = trace.splitlines()
    kept = [line for line in lines if not line.startswith("#")]
    assert kept == sorted(set(kept))
    assert lines[0].startswith("# builder.trace for rarely")
    colorsys = [line for line in kept if "/colorsys." in line]
    assert any(line.endswith("/colorsys.py") for line in colorsys), "static analysis lost colorsys"
    assert any("/site-packages/flask/" in line for line in kept)
    assert not any(line.startswith("/app/") for line in kept)  # the assembler keeps the app's files by itself
    assert traced.returncode == 0, traced.stderr[-3000:] + traced.stdout[-3000:]
    outcome = json.loads(traced.stdout)
    assert outcome["passed"] and outcome["written"]
    assert outcome["slim"]["validation"]["passed"] and outcome["traced"]["validation"]["passed"]

    (rarely / "builder.trace").write_text("\n".join(line for line in lines if line not in colorsys) + "\n")
    cut = builder(rarely, "trace", "--verify")
    assert cut.returncode == 1, cut.stderr[-3000:] + cut.stdout[-3000:]
    assert "missing module colorsys (in the slim image: " in cut.stdout
    assert "FAILED: the traced image does not behave as the slim image" in cut.stdout
    assert (rarely / "builder.trace").read_text().count("colorsys") == 0  # --verify leaves the file as it is
