"""The container engine: a BuildKit-capable docker CLI for builds, the docker SDK for everything else."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import docker
import requests
from docker.errors import DockerException

from builder.errors import EngineUnavailable, ToolMissing

# Debian's docker.io puts a classic CLI with built-in BuildKit here, often behind a newer one on PATH.
FALLBACK_DOCKERS = ("/usr/bin/docker",)
DOCKERD_LOG = Path("/var/log/builder-dockerd.log")
DOCKERD_PIDFILE = Path("/var/run/docker.pid")
PROBE_TIMEOUT = 10.0
APT_TIMEOUT = 900.0
# The programs builder drives on the host, and the Debian packages that bring them.
HOST_TOOLS = {"dockerd": "docker.io", "mmdebstrap": "mmdebstrap"}
# From 23.0 the classic `docker build` no longer builds with BuildKit itself: it needs buildx.
CLASSIC_BUILDKIT_BEFORE = 23
START_HINT = "start Docker Desktop or `sudo systemctl start docker`, or run `make engine` as root on Debian"


@dataclass(frozen=True)
class BuildkitCli:
    """A docker executable that builds with BuildKit, and how to call it."""

    path: str
    mode: Literal["buildx", "classic"]

    def describe(self) -> str:
        return f"{self.path} buildx" if self.mode == "buildx" else f"{self.path} with DOCKER_BUILDKIT=1"

    def build_argv(self) -> list[str]:
        """The command line up to the build options: `docker buildx build --load` or `docker build`."""
        return [self.path, "buildx", "build", "--load"] if self.mode == "buildx" else [self.path, "build"]

    def env(self) -> dict[str, str]:
        """The environment to run the build in; the classic CLI only uses BuildKit when asked to."""
        env = dict(os.environ)
        if self.mode == "classic":
            env["DOCKER_BUILDKIT"] = "1"
        return env


def find_buildkit_cli(*, path_env: str | None = None, fallbacks: Sequence[str] = FALLBACK_DOCKERS) -> BuildkitCli:
    """The first docker with buildx on PATH (then fallbacks); else the first classic CLI older than 23."""
    candidates = _docker_candidates(os.environ.get("PATH", "") if path_env is None else path_env, fallbacks)
    for path in candidates:
        if _succeeds([path, "buildx", "version"]):
            return BuildkitCli(path, "buildx")
    versions = {path: _client_version(path) for path in candidates}
    for path, version in versions.items():
        if version is not None and int(version.split(".")[0]) < CLASSIC_BUILDKIT_BEFORE:
            return BuildkitCli(path, "classic")
    found = ", ".join(f"{path} ({versions[path] or 'unknown version'}, no buildx)" for path in candidates) or "none"
    raise ToolMissing(
        f"no docker CLI that can build with BuildKit; found: {found}",
        hint="install the docker buildx plugin (docker-buildx-plugin), or on Debian `apt-get install docker.io`,"
        " which ships a BuildKit-capable classic CLI at /usr/bin/docker",
    )


def _docker_candidates(path_env: str, fallbacks: Sequence[str]) -> list[str]:
    """Executable `docker` files in PATH order, then the fallbacks, each real file once."""
    paths = [Path(d).absolute() / "docker" for d in path_env.split(os.pathsep) if d]
    seen: dict[Path, str] = {}
    for path in [*paths, *map(Path, fallbacks)]:
        if path.is_file() and os.access(path, os.X_OK):
            seen.setdefault(path.resolve(), str(path))
    return list(seen.values())


def _succeeds(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _client_version(path: str) -> str | None:
    """The client version (20.10.24) from `docker --version`, which never contacts the engine."""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    # Anchored on "Docker" so that podman's docker shim is not taken for an old docker.
    match = re.match(r"Docker version (\d+\.\d+\.\d+)", done.stdout.strip())
    return match.group(1) if match else None


@contextmanager
def engine_client(*, timeout: float = 120) -> Iterator[docker.DockerClient]:
    """A connected docker SDK client, closed afterwards; EngineUnavailable when no engine answers."""
    try:
        client = docker.from_env(timeout=max(1, math.ceil(timeout)))  # whole seconds; 0 would mean no wait at all
    except DockerException as exc:
        raise EngineUnavailable(
            f"no Docker engine answers: {exc}", hint=f"run `builder engine`; or {START_HINT}"
        ) from exc
    try:
        client.ping()
    except (DockerException, requests.RequestException) as exc:
        client.close()
        raise EngineUnavailable(
            f"the Docker engine does not answer: {exc}", hint=f"run `builder engine`; or {START_HINT}"
        ) from exc
    try:
        yield client
    finally:
        client.close()


def engine_running(*, timeout: float = 5) -> bool:
    """Whether a Docker engine answers a ping."""
    try:
        with engine_client(timeout=timeout):
            return True
    except EngineUnavailable:
        return False


@dataclass(frozen=True)
class EngineStatus:
    """What ensure_engine had to do."""

    started: bool
    installed: bool
    detail: str


def ensure_engine(*, install: bool, wait_seconds: float = 60) -> EngineStatus:
    """Make a Docker engine answer: as root on Debian, install docker.io (if allowed) and start dockerd.

    mmdebstrap, which builds the stand-in base images, comes along in the same apt run when it is missing.
    """
    missing = _missing_packages() if install and _root_on_debian() else []
    if missing:
        _apt_install(missing)
    installed, done = bool(missing), f"installed {', '.join(missing)}; " if missing else ""
    if engine_running():
        return EngineStatus(started=False, installed=installed, detail=f"{done}the Docker engine was already running")
    _require_root_on_debian()
    _ensure_dockerd_installed(install=install)
    existing = _running_dockerd()
    if existing is not None:
        # Someone else's dockerd, maybe still coming up: wait for it rather than start a second one.
        _wait_for_engine(existing, wait_seconds=wait_seconds, ours=False)
        return EngineStatus(started=False, installed=installed,
                            detail=f"{done}dockerd (pid {existing}) was already starting")
    pid = _start_dockerd()
    _wait_for_engine(pid, wait_seconds=wait_seconds, ours=True)
    return EngineStatus(
        started=True, installed=installed, detail=f"{done}started dockerd (pid {pid}); its log is {DOCKERD_LOG}"
    )


def _ensure_dockerd_installed(*, install: bool) -> None:
    if shutil.which("dockerd") is None:
        raise EngineUnavailable(
            "no Docker engine answers and dockerd is not installed",
            hint="allow installing it (`make engine`), or `apt-get install docker.io`" if not install else
            "`apt-get install docker.io` did not provide dockerd: check apt's output",
        )


def _missing_packages() -> list[str]:
    return [package for command, package in HOST_TOOLS.items() if shutil.which(command) is None]


def _root_on_debian() -> bool:
    return os.geteuid() == 0 and Path("/etc/debian_version").exists()


def _require_root_on_debian() -> None:
    if os.geteuid() != 0:
        raise EngineUnavailable("no Docker engine answers, and starting one needs root", hint=START_HINT)
    if not Path("/etc/debian_version").exists():
        raise EngineUnavailable(
            "no Docker engine answers, and builder only starts one itself on Debian", hint=START_HINT
        )


def _apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=APT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EngineUnavailable(
                f"`{' '.join(argv)}` took over {APT_TIMEOUT:g}s", hint="check the Debian mirror, then try again"
            ) from exc
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
            raise EngineUnavailable(
                f"`{' '.join(argv)}` failed:\n{tail}", hint="fix apt (see above), then run `make engine` again"
            )


def _running_dockerd() -> int | None:
    """The pid of a dockerd that is still starting up, so that a second one is not started beside it."""
    try:
        pid = int(DOCKERD_PIDFILE.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _start_dockerd() -> int:
    """Start dockerd in its own session so it outlives this process; its output goes to DOCKERD_LOG."""
    DOCKERD_LOG.parent.mkdir(parents=True, exist_ok=True)
    with DOCKERD_LOG.open("ab") as log:
        process = subprocess.Popen(
            ["dockerd"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return process.pid


def _wait_for_engine(pid: int, *, wait_seconds: float, ours: bool) -> None:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if engine_running(timeout=2):
            return
        if not _alive(pid):
            raise _not_up(f"dockerd (pid {pid}) exited while starting", ours=ours)
        time.sleep(0.5)
    raise _not_up(f"dockerd (pid {pid}) did not answer within {wait_seconds:g}s", ours=ours)


def _not_up(what: str, *, ours: bool) -> EngineUnavailable:
    """The error for a dockerd that did not come up, with its log's last lines when builder started it."""
    if ours:
        return EngineUnavailable(f"{what}; the end of {DOCKERD_LOG}:\n{_log_tail()}", hint=f"see {DOCKERD_LOG}")
    where = os.environ.get("DOCKER_HOST", "the default socket")
    return EngineUnavailable(
        what, hint=f"it was started outside builder: see its own log, and check it listens on {where}"
    )


def _alive(pid: int) -> bool:
    try:
        # Reap it if it was our child and has exited, so that it does not linger as a zombie.
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(DOCKERD_LOG.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {DOCKERD_LOG})"
