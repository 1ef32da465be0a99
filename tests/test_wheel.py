"""The wheel carries the templates: installed into a clean virtualenv outside the repo, `builder generate` works."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_installed_wheel_generates_files(tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    run(uv, "build", "--wheel", "--out-dir", tmp_path / "dist", REPO)
    wheel = next((tmp_path / "dist").glob("builder-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "builder/templates/dockerfiles/Dockerfile.j2" in names
    assert "builder/templates/compose/compose.yaml.j2" in names

    run(uv, "venv", "--python", sys.executable, tmp_path / "venv")
    run(uv, "pip", "install", "--python", tmp_path / "venv" / "bin" / "python", wheel)
    app = tmp_path / "elsewhere" / "app_sample"
    shutil.copytree(REPO / "app_sample", app, ignore=shutil.ignore_patterns("__pycache__"))
    for generated in ("Dockerfile", "compose.yaml", "gunicorn.conf.py"):
        (app / generated).unlink()

    out = run(tmp_path / "venv" / "bin" / "builder", "generate", cwd=app).stdout
    assert "Dockerfile         created" in out
    assert (app / "Dockerfile").read_text() == (REPO / "app_sample" / "Dockerfile").read_text()
    assert (app / "compose.yaml").read_text() == (REPO / "app_sample" / "compose.yaml").read_text()
