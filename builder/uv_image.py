"""The uv image the builder stage copies uv from, and its local stand-in, made once from uv's own wheel.

Copying the binary out of an image (`COPY --from=`) costs a cold build nothing, where bootstrapping uv with pip
cost each one seconds. uv's official image holds only /uv and /uvx; the stand-in holds the same two files, taken
from the PyPI wheel of the pinned version (UV_VERSION in builder/variants.py).
"""

from __future__ import annotations

import io
import platform
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import docker
from docker.errors import DockerException

from builder.bases import LOCAL_PREFIX, BaseImage, image_exists
from builder.errors import BuildFailed, TransientError
from builder.standins import StandInResult

BINARIES = ("uv", "uvx")
PIP_TIMEOUT = 300.0


def uv_image(version: str) -> BaseImage:
    """uv's published image for `version`, and the stand-in that can replace it."""
    return BaseImage(f"ghcr.io/astral-sh/uv:{version}", f"{LOCAL_PREFIX}uv:{version}", "", version, version)


def build_uv_stand_in(client: docker.DockerClient, image: BaseImage, *, cache_dir: Path,
                      rebuild: bool = False) -> StandInResult:
    """Import /uv and /uvx from the pinned wheel as `image.stand_in`; reuse the image when it exists."""
    started = time.monotonic()
    reused = not rebuild and image_exists(client, image.stand_in)
    if not reused:
        wheel = _wheel(image.provides, cache_dir=cache_dir)
        repository, tag = image.stand_in.rsplit(":", 1)
        label = f'LABEL org.opencontainers.image.description="builder local stand-in for {image.official}"'
        try:
            client.api.import_image_from_data(_root_tar(wheel, image.provides), repository=repository, tag=tag,
                                              changes=[label])
        except DockerException as exc:
            raise BuildFailed(f"importing stand-in {image.stand_in}: {exc}", hint="check `docker info`") from exc
    size = int(client.images.get(image.stand_in).attrs["Size"])
    return StandInResult(image.stand_in, image.official, size, time.monotonic() - started, reused)


def _wheel(version: str, *, cache_dir: Path) -> Path:
    """The manylinux wheel of uv `version` for this machine, downloaded with pip once into cache_dir."""
    folder = cache_dir / f"uv-{version}"
    found = sorted(folder.glob(f"uv-{version}-*.whl"))
    if found:
        return found[0]
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--platform",
            f"manylinux_2_17_{platform.machine()}", "--dest", str(folder), f"uv=={version}"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TransientError(f"downloading uv {version}: pip took over {PIP_TIMEOUT:g}s",
                             hint="check that PyPI is reachable, then run `builder bases` again") from exc
    found = sorted(folder.glob(f"uv-{version}-*.whl"))
    if done.returncode != 0 or not found:
        tail = "\n".join(done.stderr.splitlines()[-5:])
        raise TransientError(f"downloading uv {version} with pip failed:\n{tail}",
                             hint="check that PyPI is reachable (a proxy's CA: PIP_CERT), then try again")
    return found[0]


def _root_tar(wheel: Path, version: str) -> bytes:
    """A root filesystem of /uv and /uvx, executable, as in uv's own image."""
    out = io.BytesIO()
    with zipfile.ZipFile(wheel) as archive, tarfile.open(fileobj=out, mode="w") as root:
        for name in BINARIES:
            data = archive.read(f"uv-{version}.data/scripts/{name}")
            entry = tarfile.TarInfo(name)
            entry.size, entry.mode = len(data), 0o755
            root.addfile(entry, io.BytesIO(data))
    return out.getvalue()
