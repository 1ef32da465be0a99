"""An image's filesystem, read without running it: create a container (never started), stream its export, note facts.

One pass over the tar stream gathers everything the image policy asks about, so a 200 MB image is read once.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from docker.errors import ImageNotFound

from builder.containers import Run, engine_failures, throwaway
from builder.errors import BuilderError
from builder.quality.secrets import PRIVATE_KEY, token_kind
from builder.streams import ChunkReader

SCAN_LIMIT = 1 << 20  # read files up to 1 MiB for keys and tokens; secrets live in small files
# Shared scratch space with the sticky bit is how Linux means it; anywhere else world-writable is a hole.
TEMP_DIRS = frozenset({"tmp", "var/tmp", "run/lock", "var/lock", "dev/shm"})
_COMPILER = re.compile(r"^(?:usr/(?:local/)?)?s?bin/(?:[\w.+-]+-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|tcc)"
                       r"(?:-\d+(?:\.\d+)*)?$")
_PIP = re.compile(r"(?:^|/)bin/pip[\d.]*$|(?:site|dist)-packages/pip/__init__\.py$")
_CACHE = re.compile(r"^(.*?/\.cache/(?:pip|uv|pypoetry|pip-tools))/")
_ENV_FILE = re.compile(r"(?:^|/)\.env(?:\.(?!example$|sample$|template$|dist$|defaults?$)[\w.-]+)?$")
DPKG_STATUS = "var/lib/dpkg/status"
# An installed distribution's own files: a key there came with a package (its tests), not from the build context.
_IN_PACKAGE = re.compile(r"/(?:site|dist)-packages/([^/]+)/")
# Where a Python environment's pip and its distributions' metadata live, by the environment's root (/app/.venv, /usr).
_ENV_OF_PIP = re.compile(r"^(.*?)/(?:bin/pip[\d.]*|lib/python[\d.]+/(?:site|dist)-packages/pip/__init__\.py)$")
_METADATA = re.compile(r"^(.*?)/lib/python[\d.]+/(?:site|dist)-packages/([^/]+)\.dist-info/METADATA$")
_REQUIRES_PIP = re.compile(rb"^Requires-Dist: *pip(?![\w.-])(?!.*extra *==)", re.MULTILINE | re.IGNORECASE)


def environment_of(pip_path: str) -> str | None:
    """The root of the Python environment a pip path belongs to (/app/.venv for /app/.venv/bin/pip)."""
    match = _ENV_OF_PIP.match(pip_path)
    return match.group(1) if match else None


def package_of(path: str) -> str | None:
    """The installed package a file belongs to, when it lies inside one."""
    match = _IN_PACKAGE.search(path)
    return match.group(1) if match else None


@dataclass
class ImageFiles:
    """What the policy needs to know about an image's files; paths are absolute, as seen inside the image."""

    setid: list[str] = field(default_factory=list)
    world_writable: list[str] = field(default_factory=list)
    compilers: list[str] = field(default_factory=list)
    pip: list[str] = field(default_factory=list)
    caches: list[str] = field(default_factory=list)
    env_files: list[str] = field(default_factory=list)
    private_keys: list[str] = field(default_factory=list)
    package_keys: list[str] = field(default_factory=list)  # keys inside an installed package (its test fixtures)
    pip_needed_by: dict[str, list[str]] = field(default_factory=dict)  # environment root -> distributions needing pip
    tokens: list[str] = field(default_factory=list)  # "path (kind)"
    dev_packages: list[str] = field(default_factory=list)

    def note(self, member: tarfile.TarInfo, content: bytes | None) -> None:
        path = member.name.removeprefix("./").lstrip("/")
        shown = "/" + path
        kind = "file" if member.isfile() else "dir" if member.isdir() else "link" if member.issym() else "other"
        self._by_path(path, shown, kind)
        if kind == "file" and member.mode & 0o6000:
            self.setid.append(shown)
        if kind == "dir" and member.mode & 0o002 and not (path in TEMP_DIRS and member.mode & 0o1000):
            self.world_writable.append(shown)
        if content is not None:
            self._by_content(path, shown, content)

    def _by_path(self, path: str, shown: str, kind: str) -> None:
        if kind in ("file", "link") and _COMPILER.match(path):
            self.compilers.append(shown)
        if kind in ("file", "link") and _PIP.search(path):
            self.pip.append(shown)
        if kind == "file" and (cache := _CACHE.match(path)) and "/" + cache.group(1) not in self.caches:
            self.caches.append("/" + cache.group(1))
        if kind == "file" and _ENV_FILE.search(path):
            self.env_files.append(shown)

    def _by_content(self, path: str, shown: str, content: bytes) -> None:
        if path == DPKG_STATUS:
            self.dev_packages = _dev_packages(content.decode(errors="replace"))
        elif PRIVATE_KEY.search(content):
            (self.package_keys if package_of(shown) else self.private_keys).append(shown)
        elif (metadata := _METADATA.match(shown)) and _REQUIRES_PIP.search(content):
            self.pip_needed_by.setdefault(metadata.group(1), []).append(metadata.group(2).split("-")[0])
        elif kind := token_kind(content):
            self.tokens.append(f"{shown} ({kind})")


def read_image_files(client: Any, image: str) -> ImageFiles:
    """The facts about an image's files, from its exported filesystem."""
    files = ImageFiles()
    with _created(client, image) as container, tarfile.open(fileobj=_stream(container.export()), mode="r|") as tar:
        for member in tar:
            wanted = member.isfile() and (member.size <= SCAN_LIMIT or member.name.endswith(DPKG_STATUS))
            reader = tar.extractfile(member) if wanted else None
            files.note(member, reader.read() if reader else None)
    return files


@contextmanager
def _created(client: Any, image: str) -> Iterator[Any]:
    """A container of the image that is never started (no process runs, as root or not), removed afterwards."""
    with engine_failures(f"reading image {image}"):
        try:
            with throwaway(client, image, run=Run("quality"), what="export", command=["/nonexistent"], entrypoint=[],
                           user="65534:65534", network_disabled=True) as container:
                yield container
        except ImageNotFound as exc:
            raise BuilderError(f"no image {image!r} in the local engine", hint="build it first (`builder build`),"
                               " or check the tag with `docker images`") from exc


def _stream(chunks: Iterable[bytes]) -> io.BufferedReader:
    return io.BufferedReader(ChunkReader(chunks), buffer_size=1 << 20)


def _dev_packages(status: str) -> list[str]:
    """Installed Debian packages whose name ends in -dev (headers and static libraries)."""
    names = []
    for paragraph in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in paragraph.splitlines() if ": " in line and line[0] != " ")
        if fields.get("Package", "").endswith("-dev") and fields.get("Status", "").endswith(" installed"):
            names.append(fields["Package"])
    return sorted(names)
