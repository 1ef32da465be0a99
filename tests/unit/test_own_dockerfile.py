"""An app with a Dockerfile of its own: builder writes its own under another name and builds that one."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import main

OWN = "FROM python:3.12\nCOPY . /srv\nCMD [\"python\", \"app.py\"]\n"


def test_build_refuses_to_take_the_apps_own_dockerfile_for_builders(sample_copy: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (sample_copy / "Dockerfile").write_text(OWN)
    assert main(["--spec", str(sample_copy), "build"]) == 2
    err = capsys.readouterr().err
    assert "Dockerfile was not written by builder" in err
    assert "dockerfile: Dockerfile.builder" in err
    assert (sample_copy / "Dockerfile").read_text() == OWN


def test_a_dockerfile_name_in_the_spec_puts_builders_files_beside_the_apps(sample_copy: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (sample_copy / "Dockerfile").write_text(OWN)
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "dockerfile: Dockerfile.builder\n")
    assert main(["--spec", str(sample_copy), "generate"]) == 0
    out = capsys.readouterr().out
    assert "Dockerfile.builder " in out and "Dockerfile.builder.render" in out
    assert (sample_copy / "Dockerfile").read_text() == OWN
    assert "dockerfile: Dockerfile.builder\n" in (sample_copy / "compose.yaml").read_text()
    assert "dockerfilePath: ./Dockerfile.builder.render" in (sample_copy / "render.yaml").read_text()


def test_beside_its_own_dockerfile_builder_brings_its_own_ignore_file(sample_copy: Path) -> None:
    """An allow-list .dockerignore of the app's would leave builder's lock and helper out of the context: builder's
    Dockerfiles get `<name>.dockerignore`, which BuildKit reads instead, and the app's file is untouched."""
    (sample_copy / "Dockerfile").write_text(OWN)
    (sample_copy / ".dockerignore").write_text("*\n!src\n")
    spec = sample_copy / "builder.yaml"
    spec.write_text(spec.read_text() + "dockerfile: Dockerfile.builder\n")
    assert main(["--spec", str(sample_copy), "generate"]) == 0
    assert (sample_copy / ".dockerignore").read_text() == "*\n!src\n"
    for name in ("Dockerfile.builder.dockerignore", "Dockerfile.builder.render.dockerignore"):
        text = (sample_copy / name).read_text()
        assert ".env\n" in text and "requirements.lock" not in text and "builder_image.py" not in text
    # lint reads the ignore file BuildKit will: builder's Dockerfile passes on it (the app's own is the app's).
    assert main(["--spec", str(sample_copy), "lint", str(sample_copy / "Dockerfile.builder")]) == 0
