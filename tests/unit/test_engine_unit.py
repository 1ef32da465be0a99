"""Choosing a BuildKit-capable docker CLI, and naming base images; no engine needed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from builder.bases import LOCAL_PREFIX, python_base
from builder.engine import BuildkitCli, find_buildkit_cli
from builder.errors import SpecError, ToolMissing
from builder.services import service

# Small imitations of the docker clients met in practice: what `--version` prints and
# whether `docker buildx version` works.
DOCKER_28_NO_BUILDX = ("Docker version 28.2.2, build e6534b4", False)
DOCKER_20_CLASSIC = ("Docker version 20.10.24+dfsg1, build 297e128", False)
DOCKER_27_BUILDX = ("Docker version 27.3.1, build ce12230", True)
PODMAN_SHIM = ("podman version 4.3.1", False)


def fake_docker(directory: Path, imitation: tuple[str, bool]) -> Path:
    """Write an executable `docker` into `directory` that answers like `imitation`."""
    version, has_buildx = imitation
    buildx = (
        'echo "github.com/docker/buildx v0.17.1 abc"; exit 0'
        if has_buildx
        else 'echo "docker: unknown command: docker buildx" >&2; exit 1'
    )
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
        f'if [ "$1" = buildx ] && [ "$2" = version ]; then {buildx}; fi\n'
        "exit 2\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def path_of(*scripts: Path) -> str:
    return os.pathsep.join(str(script.parent) for script in scripts)


def test_classic_cli_before_23_is_chosen_over_a_newer_one_without_buildx(tmp_path: Path) -> None:
    new = fake_docker(tmp_path / "local", DOCKER_28_NO_BUILDX)
    old = fake_docker(tmp_path / "usr", DOCKER_20_CLASSIC)
    cli = find_buildkit_cli(path_env=path_of(new, old), fallbacks=())
    assert cli == BuildkitCli(str(old), "classic")


def test_buildx_is_preferred_even_later_on_path(tmp_path: Path) -> None:
    new = fake_docker(tmp_path / "a", DOCKER_28_NO_BUILDX)
    old = fake_docker(tmp_path / "b", DOCKER_20_CLASSIC)
    buildx = fake_docker(tmp_path / "c", DOCKER_27_BUILDX)
    cli = find_buildkit_cli(path_env=path_of(new, old, buildx), fallbacks=())
    assert cli == BuildkitCli(str(buildx), "buildx")


def test_fallback_outside_path_is_considered(tmp_path: Path) -> None:
    new = fake_docker(tmp_path / "local", DOCKER_28_NO_BUILDX)
    debian = fake_docker(tmp_path / "debian", DOCKER_20_CLASSIC)
    cli = find_buildkit_cli(path_env=path_of(new), fallbacks=(str(debian),))
    assert cli == BuildkitCli(str(debian), "classic")


def test_no_buildkit_cli_raises_tool_missing_naming_the_fix(tmp_path: Path) -> None:
    new = fake_docker(tmp_path / "local", DOCKER_28_NO_BUILDX)
    shim = fake_docker(tmp_path / "podman", PODMAN_SHIM)
    with pytest.raises(ToolMissing) as raised:
        find_buildkit_cli(path_env=path_of(new, shim), fallbacks=())
    assert f"{new} (28.2.2, no buildx)" in raised.value.message
    assert "buildx" in raised.value.hint
    assert "apt-get install docker.io" in raised.value.hint
    assert "/usr/bin/docker" in raised.value.hint


def test_empty_path_raises_tool_missing() -> None:
    with pytest.raises(ToolMissing, match="found: none"):
        find_buildkit_cli(path_env="", fallbacks=())


def test_build_command_and_environment_per_mode() -> None:
    classic = BuildkitCli("/usr/bin/docker", "classic")
    buildx = BuildkitCli("/usr/local/bin/docker", "buildx")
    assert classic.build_argv() == ["/usr/bin/docker", "build"]
    assert classic.env()["DOCKER_BUILDKIT"] == "1"
    assert buildx.build_argv() == ["/usr/local/bin/docker", "buildx", "build", "--load"]
    assert buildx.env().get("DOCKER_BUILDKIT") == os.environ.get("DOCKER_BUILDKIT")


@pytest.mark.parametrize(
    ("version", "official", "stand_in", "suite"),
    [
        ("3.11", "python:3.11-slim-bookworm", "builder-local/python:3.11-slim-bookworm", "bookworm"),
        ("3.13", "python:3.13-slim-trixie", "builder-local/python:3.13-slim-trixie", "trixie"),
        ("3.12", "python:3.12-slim-bookworm", "", "bookworm"),
        ("3.14", "python:3.14-slim-trixie", "builder-local/python:3.14-slim-forky", "forky"),
    ],
)
def test_python_base_names(version: str, official: str, stand_in: str, suite: str) -> None:
    image = python_base(version)
    assert (image.official, image.stand_in, image.suite) == (official, stand_in, suite)
    assert image.stand_in == "" or image.stand_in.startswith(LOCAL_PREFIX)


@pytest.mark.parametrize(
    ("major", "stand_in", "suite", "mismatch"),
    [
        ("15", "builder-local/postgres:15-bookworm", "bookworm", ""),
        ("16", "builder-local/postgres:15-bookworm", "bookworm", "postgres 16 requested, stand-in is 15"),
        ("17", "builder-local/postgres:17-trixie", "trixie", ""),
        ("18", "builder-local/postgres:17-trixie", "trixie", "postgres 18 requested, stand-in is 17"),
    ],
)
def test_postgres_image_names(major: str, stand_in: str, suite: str, mismatch: str) -> None:
    image = service("postgres").image(major)
    assert image.official == f"postgres:{major}-bookworm"
    assert (image.stand_in, image.suite, image.mismatch()) == (stand_in, suite, mismatch)
    assert image.exact == (mismatch == "")


@pytest.mark.parametrize(
    ("major", "stand_in", "provides"),
    [
        ("7", "builder-local/redis:7-bookworm", "7"),
        ("8", "builder-local/redis:8-trixie", "8"),
        ("6", "builder-local/redis:7-bookworm", "7"),
    ],
)
def test_redis_image_names(major: str, stand_in: str, provides: str) -> None:
    image = service("redis").image(major)
    assert (image.official, image.stand_in, image.provides) == (f"redis:{major}-bookworm", stand_in, provides)


def test_non_numeric_major_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="major version number"):
        service("postgres").image("16.2")


@pytest.mark.parametrize(("version", "nearest"), [("3.10", "3.11"), ("3.12", "3.11")])
def test_a_python_without_a_stand_in_names_the_nearest_that_has_one(version: str, nearest: str) -> None:
    from builder.bases import no_base_error

    hint = no_base_error(python_base(version), "no registry").hint
    assert f'set python: "{nearest}"' in hint
    assert "3.11, 3.13, 3.14" in hint


@pytest.mark.parametrize(("version", "glibc"), [("3.10", "2_36"), ("3.11", "2_36"), ("3.13", "2_40"), ("3.14", "2_40")])
def test_every_python_the_spec_takes_has_a_lock_target(version: str, glibc: str) -> None:
    from builder.lock.make import target_for
    from builder.spec import AppSpec

    spec = AppSpec.model_validate({"name": "ab", "python": version, "app": {"module": "a:b"}})
    assert target_for(spec, arch="x86_64").glibc == glibc
