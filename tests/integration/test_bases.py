"""Local stand-ins built for real (mmdebstrap + import) and used the way the official images are."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.models.containers import Container

from builder.bases import BaseImage, python_base, resolve_base
from builder.engine import find_buildkit_cli
from builder.errors import BuilderError
from builder.services import service
from builder.standins import StandInKind, StandInResult, build_stand_in

pytestmark = pytest.mark.integration

CACHE_DIR = Path.home() / ".cache" / "builder" / "bases"  # the CLI's default, so runs share built stand-ins
# (python, postgres, redis) versions that each Debian suite provides exactly.
SUITE_VERSIONS = [pytest.param(("3.11", "15", "7"), id="bookworm"), pytest.param(("3.13", "17", "8"), id="trixie")]


def build_all(client: docker.DockerClient, versions: tuple[str, str, str]) -> dict[StandInKind, StandInResult]:
    """The three stand-ins, built once per cache (or reused when already tagged)."""
    python, postgres, redis = versions
    images: dict[StandInKind, BaseImage] = {
        "python": python_base(python),
        "postgres": service("postgres").image(postgres),
        "redis": service("redis").image(redis),
    }
    return {kind: build_stand_in(client, image, kind, cache_dir=CACHE_DIR) for kind, image in images.items()}


@pytest.fixture(scope="module", params=SUITE_VERSIONS)
def stand_ins(request: pytest.FixtureRequest, docker_client: docker.DockerClient) -> dict[StandInKind, StandInResult]:
    return build_all(docker_client, request.param)


@pytest.fixture(scope="module")
def bookworm_stand_ins(docker_client: docker.DockerClient) -> dict[StandInKind, StandInResult]:
    return build_all(docker_client, ("3.11", "15", "7"))


def tag_version(name: str) -> str:
    """The version in an image's tag: 3.11 for python:3.11-slim-bookworm."""
    return name.rsplit(":", 1)[1].split("-")[0]


@contextmanager
def running(client: docker.DockerClient, image: str, **options: Any) -> Iterator[Container]:
    """A started container, removed with its anonymous volumes however the test ends (start-up failures too)."""
    container = client.containers.create(image, **options)
    try:
        container.start()
        yield container
    finally:
        container.remove(force=True, v=True)


def run_once(client: docker.DockerClient, image: str, command: list[str], **options: Any) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of a one-off container."""
    with running(client, image, command=command, **options) as container:
        status = container.wait(timeout=300)
        return int(status["StatusCode"]), container.logs().decode()


def wait_until(container: Container, check: Callable[[], bool], *, seconds: float = 60) -> None:
    """Poll `check` until it holds; fail with the container's last log lines otherwise."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{container.name} not ready after {seconds:g}s:\n{container.logs(tail=30).decode()}")


def exec_ok(container: Container, command: list[str]) -> tuple[bool, str]:
    result = container.exec_run(command)
    assert isinstance(result.output, bytes)  # not streamed
    return result.exit_code == 0, result.output.decode()


def address(container: Container) -> str:
    container.reload()
    return str(container.attrs["NetworkSettings"]["IPAddress"])


def test_stand_ins_are_tagged_and_labelled(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    for result in stand_ins.values():
        image = docker_client.images.get(result.name)
        assert result.size_bytes == image.attrs["Size"] > 0
        description = image.labels["org.opencontainers.image.description"]
        assert description == f"builder local stand-in for {result.official}"


def test_python_stand_in_runs_the_requested_python(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image, version = stand_ins["python"].name, tag_version(stand_ins["python"].official)
    code, output = run_once(docker_client, image, ["python3", "-c", "import sys; print(sys.version)"])
    assert code == 0 and output.startswith(f"{version}."), output
    code, output = run_once(docker_client, image, ["/usr/local/bin/python", "--version"])
    assert code == 0 and output.startswith(f"Python {version}."), output


def test_python_stand_in_has_no_system_pip_but_venvs_get_one(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image = stand_ins["python"].name
    code, output = run_once(docker_client, image, ["python3", "-m", "pip", "--version"])
    assert code != 0 and "No module named pip" in output
    code, output = run_once(docker_client, image, ["sh", "-c", "python3 -m venv /tmp/v && /tmp/v/bin/pip --version"])
    assert code == 0 and output.startswith("pip "), output


def test_python_stand_in_can_apt_get_install_without_docs(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    install = "apt-get update -qq && apt-get install -y -qq --no-install-recommends libpq5 >/dev/null"
    script = f"{install} && ls /usr/share/doc/libpq5"
    code, output = run_once(docker_client, stand_ins["python"].name, ["sh", "-c", script])
    assert code == 0, output
    assert output.splitlines()[-1] == "copyright"  # the image's dpkg excludes keep docs out of later installs too


def test_stand_in_serves_as_buildkit_base(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult], tmp_path: Path
) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {stand_ins['python'].name}\nRUN python3 -m venv /opt/venv\n")
    cli = find_buildkit_cli()
    tag = "builder-test/stand-in-base:latest"
    try:
        done = subprocess.run(
            [*cli.build_argv(), "-t", tag, str(tmp_path)], env=cli.env(), capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert docker_client.images.get(tag).attrs["Config"]["Cmd"] == ["python3"]
    finally:
        subprocess.run([cli.path, "rmi", "-f", tag], capture_output=True, timeout=60)


def test_postgres_stand_in_honours_the_official_contract(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image = stand_ins["postgres"].name
    env = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "s3cret", "POSTGRES_DB": "appdb"}
    password = {"PGPASSWORD": "s3cret"}
    with running(docker_client, image, environment=env) as server:
        wait_until(server, lambda: exec_ok(server, ["sh", "-c", "pg_isready -U $POSTGRES_USER -d $POSTGRES_DB"])[0])
        psql = ["psql", "-h", address(server), "-U", "app", "-d", "appdb", "-tAc"]
        query = [*psql, "select current_user, current_database()"]
        code, output = run_once(docker_client, image, query, environment=password)
        assert (code, output.strip()) == (0, "app|appdb")
        code, output = run_once(docker_client, image, query, environment={"PGPASSWORD": "wrong"})
        assert code != 0 and 'password authentication failed for user "app"' in output
        assert exec_ok(server, ["stat", "-c", "%U", "/proc/1"]) == (True, "postgres\n")
        code, output = run_once(docker_client, image, [*psql, "show server_version"], environment=password)
        assert code == 0 and output.startswith(tag_version(image) + "."), output


def test_postgres_stand_in_refuses_to_start_without_password(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    with running(docker_client, stand_ins["postgres"].name) as server:
        assert server.wait(timeout=60)["StatusCode"] != 0
        assert "POSTGRES_PASSWORD" in server.logs().decode()


def test_redis_stand_in_takes_flags_like_the_official_image(
    docker_client: docker.DockerClient, stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image = stand_ins["redis"].name
    command = ["redis-server", "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]
    with running(docker_client, image, command=command) as server:
        wait_until(server, lambda: exec_ok(server, ["redis-cli", "ping"]) == (True, "PONG\n"))
        assert exec_ok(server, ["redis-cli", "CONFIG", "GET", "maxmemory-policy"]) == (
            True,
            "maxmemory-policy\nallkeys-lru\n",
        )
        # From another container: bound to all interfaces, protected mode off.
        code, output = run_once(docker_client, image, ["redis-cli", "-h", address(server), "set", "greeting", "hi"])
        assert (code, output.strip()) == (0, "OK")
        assert exec_ok(server, ["stat", "-c", "%U", "/proc/1"]) == (True, "redis\n")


def test_resolve_base_falls_back_to_the_stand_in(
    docker_client: docker.DockerClient, bookworm_stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image = service("postgres").image("16")
    assert image.stand_in == bookworm_stand_ins["postgres"].name
    resolved = resolve_base(docker_client, image, pull=False)
    if resolved.used == image.official:
        pytest.skip(f"{image.official} is present locally")
    assert (resolved.requested, resolved.used, resolved.stand_in) == (image.official, image.stand_in, True)
    assert "using the local stand-in" in resolved.note
    assert "postgres 16 requested, stand-in is 15" in resolved.note


def test_resolve_base_tries_to_pull_first(
    docker_client: docker.DockerClient, bookworm_stand_ins: dict[StandInKind, StandInResult]
) -> None:
    image = service("redis").image("7")
    resolved = resolve_base(docker_client, image, pull=True, pull_timeout=20)
    if resolved.stand_in:  # offline: the pull failed and its reason is kept
        assert resolved.used == image.stand_in
        assert resolved.note.startswith(f"{image.official} could not be pulled (")
    else:
        assert resolved.used == image.official


def test_resolve_base_without_any_stand_in_says_why(docker_client: docker.DockerClient) -> None:
    image = python_base("3.12")
    if docker_client.images.list(name=image.official):
        pytest.skip(f"{image.official} is present locally")
    with pytest.raises(BuilderError) as raised:
        resolve_base(docker_client, image, pull=False)
    assert raised.value.message == f"base image {image.official} is not available: pulling is turned off"
    assert "no Debian suite ships python 3.12" in raised.value.hint
