"""Local stand-ins for official images, built from Debian packages with mmdebstrap and imported into the engine."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

import docker
from docker.errors import DockerException

from builder.bases import (
    LOCAL_PREFIX,
    SUITES,
    BaseImage,
    DebianSuite,
    image_exists,
    image_id,
    no_base_error,
    repository,
)
from builder.errors import BuildFailed, ToolMissing, TransientError
from builder.templates import template_dirs

# "python", or the kind of a service module (builder/services), which owns its recipe.
StandInKind = str
# Entrypoint scripts live beside the Dockerfile templates, so the wheel ships them too.
STANDINS_DIR = template_dirs()[0] / "standins"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
MMDEBSTRAP_TIMEOUT = 1800.0


@dataclass(frozen=True)
class StandInRecipe:
    """What goes into a stand-in: Debian packages, mmdebstrap hooks, image config."""

    packages: tuple[str, ...]
    customize: tuple[str, ...]  # mmdebstrap --customize-hook shell commands, "$1" is the root
    changes: tuple[str, ...]  # `docker import --change` instructions
    essential: tuple[str, ...] = ()  # --essential-hook: runs before the packages are installed
    slim: bool = True  # leave out man pages, docs and locales, as the official slim images do


@dataclass(frozen=True)
class StandInResult:
    """A stand-in image that is ready to use."""

    name: str
    official: str
    size_bytes: int
    seconds: float
    reused: bool


PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Keep copyright files and the locale alias; everything else here is docs nobody reads in a container.
_SLIM_DPKG = (
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-include=/usr/share/locale/locale.alias",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
)
# Without it, init-system-helpers pulls in usrmerge and with it ~48 MB of perl.
_MERGED_USR_HOOKS = "/usr/share/mmdebstrap/hooks/merged-usr"
# The host's resolver and name would otherwise be baked in; the engine supplies both at run time.
_COMMON_HOOKS = ('rm -f "$1/etc/resolv.conf" "$1/etc/hostname"',)


def entrypoint_hooks(script: str) -> tuple[str, ...]:
    source = shlex.quote(str(STANDINS_DIR / script))
    return (f'install -m 755 {source} "$1/usr/local/bin/docker-entrypoint.sh"',)


def _python_recipe(suite: DebianSuite) -> StandInRecipe:
    # The official slim image adds ca-certificates, netbase and tzdata; python3-venv brings
    # ensurepip for virtualenvs while the system interpreter stays without pip.
    links = ('ln -sf /usr/bin/python3 "$1/usr/local/bin/python3"', 'ln -sf /usr/bin/python3 "$1/usr/local/bin/python"')
    changes = (f"ENV PATH={PATH}", "ENV LANG=C.UTF-8", 'CMD ["python3"]')
    return StandInRecipe(("python3", "python3-venv", "ca-certificates", "tzdata", "netbase"), links, changes)


# What the official full image (buildpack-deps) brings, in the part people lean on: compilers, headers, VCS, curl.
_FULL_PYTHON_EXTRAS = (
    "python3-pip", "python3-dev", "build-essential", "pkg-config", "autoconf", "automake", "libtool", "git",
    "openssh-client", "curl", "wget", "gnupg", "procps", "unzip", "xz-utils", "libpq-dev", "libssl-dev",
    "libffi-dev", "zlib1g-dev", "libbz2-dev", "liblzma-dev", "libsqlite3-dev", "libreadline-dev", "libncurses-dev",
    "libjpeg-dev", "libxml2-dev", "libxslt1-dev", "libyaml-dev",
)


def _full_python_recipe(suite: DebianSuite) -> StandInRecipe:
    """Like python:3.11-bookworm: compilers and headers, and pip that installs into the system Python.

    Debian marks its Python externally managed (PEP 668); the official image's Python is not, so the marker goes.
    """
    slim = _python_recipe(suite)
    unmanaged = 'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
    return replace(slim, packages=(*slim.packages, *_FULL_PYTHON_EXTRAS), customize=(*slim.customize, unmanaged),
                   slim=False)


def _recipe(kind: StandInKind, image: BaseImage, suite: DebianSuite) -> StandInRecipe:
    from builder.services import service

    if kind == "python":
        return _python_recipe(suite) if "slim" in image.official else _full_python_recipe(suite)
    return service(kind).stand_in_recipe(suite)


def build_stand_in(
    client: docker.DockerClient,
    image: BaseImage,
    kind: StandInKind,
    *,
    cache_dir: Path,
    mirror: str = DEFAULT_MIRROR,
    security_mirror: str = DEFAULT_SECURITY_MIRROR,
    rebuild: bool = False,
) -> StandInResult:
    """Build `image.stand_in` from Debian packages with mmdebstrap and import it; reuse it when it exists."""
    started = time.monotonic()
    if repository(image.official) != kind:
        raise ValueError(f"a {kind} stand-in cannot stand in for {image.official}")
    if not image.stand_in:
        raise no_base_error(image, "no Debian suite provides it")
    if not rebuild and image_exists(client, image.stand_in):
        return _result(client, image, started, reused=True)
    suite = next(s for s in SUITES if s.name == image.suite)
    recipe = _recipe(kind, image, suite)
    sources = [
        f"deb {mirror} {suite.name} main",
        f"deb {mirror} {suite.name}-updates main",
        f"deb {security_mirror} {suite.name}-security main",
    ]
    tarball = _rootfs_tarball(
        recipe, suite.name, sources, cache_dir=cache_dir, slug=_slug(image.stand_in), rebuild=rebuild
    )
    previous = image_id(client, image.stand_in)
    _import(client, tarball, image, recipe)
    _drop_replaced(client, previous, now=image_id(client, image.stand_in))
    return _result(client, image, started, reused=False)


def _drop_replaced(client: docker.DockerClient, previous: str | None, *, now: str | None) -> None:
    """Remove the image a rebuild untagged, so rebuilds do not pile up hundreds of MB each."""
    if previous is None or previous == now:
        return
    # Still used by a container or tagged elsewhere: leave it, `docker image prune` can take it later.
    with contextlib.suppress(DockerException):
        client.images.remove(previous)


def _result(client: docker.DockerClient, image: BaseImage, started: float, *, reused: bool) -> StandInResult:
    size = int(client.images.get(image.stand_in).attrs["Size"])
    return StandInResult(image.stand_in, image.official, size, time.monotonic() - started, reused)


def _slug(name: str) -> str:
    return name.removeprefix(LOCAL_PREFIX).replace("/", "-").replace(":", "-")


# Testing's Release files are valid for about a week; a mirror that is not refreshed that often (an offline or
# snapshot mirror) would refuse them, though their signatures still check out.
ROLLING_SUITES = {"forky"}


def _mmdebstrap_argv(recipe: StandInRecipe, suite: str, sources: list[str], target: Path) -> list[str]:
    argv = [
        "mmdebstrap",
        "--variant=minbase",
        "--format=tar",
        f"--hook-dir={_MERGED_USR_HOOKS}",
        "--include=" + ",".join(recipe.packages),
        *(f"--dpkgopt={opt}" for opt in (_SLIM_DPKG if recipe.slim else ())),
    ]
    if suite in ROLLING_SUITES:
        argv.append('--aptopt=Acquire::Check-Valid-Until "false"')
    argv += [f"--essential-hook={hook}" for hook in recipe.essential]
    argv += [f"--customize-hook={hook}" for hook in (*recipe.customize, *_COMMON_HOOKS)]
    return [*argv, suite, str(target), *sources]


def _rootfs_tarball(
    recipe: StandInRecipe, suite: str, sources: list[str], *, cache_dir: Path, slug: str, rebuild: bool
) -> Path:
    """The root filesystem as a tar in cache_dir, named by a hash of its recipe so a stale one is never reused."""
    digest = hashlib.sha256(json.dumps([_mmdebstrap_argv(recipe, suite, sources, Path()), _script_texts()]).encode())
    tarball = cache_dir / f"{slug}-{digest.hexdigest()[:12]}.tar"
    if tarball.exists() and not rebuild:
        return tarball
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_dir / f".partial-{tarball.name}"  # outside the glob below, and never mistaken for a result
    try:
        _run_mmdebstrap(_mmdebstrap_argv(recipe, suite, sources, partial), slug=slug)
        for old in cache_dir.glob(f"{slug}-*.tar"):
            old.unlink()
        return partial.replace(tarball)
    finally:
        partial.unlink(missing_ok=True)


def _script_texts() -> list[str]:
    return [path.read_text() for path in sorted(STANDINS_DIR.glob("*.sh"))]


def _run_mmdebstrap(argv: list[str], *, slug: str) -> None:
    if shutil.which("mmdebstrap") is None:
        raise ToolMissing(
            "mmdebstrap is not installed; it builds the local stand-in images", hint="apt-get install mmdebstrap"
        )
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=MMDEBSTRAP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TransientError(
            f"building stand-in {slug}: mmdebstrap took over {MMDEBSTRAP_TIMEOUT:g}s",
            hint="check that the Debian mirror is reachable and fast, then try again",
        ) from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-20:])
        raise BuildFailed(
            f"building stand-in {slug}: mmdebstrap exited {done.returncode}:\n{tail}",
            hint="run as root (mmdebstrap needs it here) and check that the mirror is reachable",
        )


def _import(client: docker.DockerClient, tarball: Path, image: BaseImage, recipe: StandInRecipe) -> None:
    repository, tag = image.stand_in.rsplit(":", 1)
    label = f'LABEL org.opencontainers.image.description="builder local stand-in for {image.official}"'
    try:
        answer = client.api.import_image(
            src=str(tarball), repository=repository, tag=tag, changes=[*recipe.changes, label]
        )
    except DockerException as exc:
        raise BuildFailed(
            f"importing stand-in {image.stand_in}: {exc}", hint="check `docker info` and free disk space"
        ) from exc
    lines = str(answer).strip().splitlines()
    error = json.loads(lines[-1]).get("error") if lines else "the engine gave no answer"
    if error:
        raise BuildFailed(
            f"importing stand-in {image.stand_in}: {error}", hint="check `docker info` and free disk space"
        )
