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
