"""The package index (PEP 691 JSON): every file of a project, and how big a wheel is once unpacked.

A wheel's unpacked size is the sum of its members' sizes in the zip's central directory, which sits at the end
of the file: one HTTP range request reads it, so even a 700 MB wheel costs a few hundred KB to measure.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BuilderError, TransientError
from builder.lock.network import IndexAccess, network_hint

TIMEOUT = 60.0
_TAIL = 256 * 1024
_EOCD = b"PK\x05\x06"


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    size: int
    requires_python: str | None
    yanked: bool


def project_files(name: str, *, access: IndexAccess) -> list[IndexFile]:
    """Every file the index has for `name`, all versions."""
    data = json.loads(_get(f"{access.url}/{name}/", access, accept="application/vnd.pypi.simple.v1+json"))
    return [IndexFile(f["filename"], f["url"], int(f.get("size") or 0), f.get("requires-python"),
                      bool(f.get("yanked"))) for f in data.get("files", [])]


class WheelSizes:
    """Unpacked wheel sizes, remembered by the wheel's sha256 in a small JSON file between runs."""

    def __init__(self, cache_file: Path, access: IndexAccess) -> None:
        self.cache_file = cache_file
        self.access = access
        self.known: dict[str, int] = _read_cache(cache_file)

    def unpacked(self, url: str, size: int, sha256: str) -> int:
        if sha256 and sha256 in self.known:
            return self.known[sha256]
        measured = unpacked_size(url, size, access=self.access)
        if sha256:
            self.known[sha256] = measured
        return measured

    def save(self) -> None:
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            self.cache_file.write_text(json.dumps(self.known, sort_keys=True))
        except OSError:
            pass  # a cache is a convenience: measuring again next time is correct too


def unpacked_size(url: str, size: int, *, access: IndexAccess) -> int:
    """Sum of the uncompressed sizes of a remote wheel's members, read from its central directory."""
    tail_start = max(0, size - _TAIL)
    tail = _get(url, access, first=tail_start)
    cd_size = _central_directory_size(tail)
    if cd_size + 1024 > len(tail) and tail_start > 0:  # a central directory bigger than the tail: read it all
        tail_start = max(0, size - cd_size - 64 * 1024)
        tail = _get(url, access, first=tail_start)
    # zipfile handles data before the archive (self-extracting zips), so the tail alone reads as a zip.
    with zipfile.ZipFile(io.BytesIO(tail)) as archive:
        return sum(info.file_size for info in archive.infolist())


SourceLanguage = str  # "pure" | "c" | "rust"
_COMPILED = (".c", ".cc", ".cpp", ".cxx", ".pyx", ".f", ".f90")
SDIST_LIMIT = 20 * 1024 * 1024


def sdist_language(url: str, size: int, *, access: IndexAccess) -> SourceLanguage:
    """What building an sdist compiles, from its file names: `pure` Python, `c` (C, C++, Cython) or `rust`.

    Sdists over SDIST_LIMIT are not fetched and count as `c`: large ones nearly always carry native code.
    """
    if size > SDIST_LIMIT:
        return "c"
    names = _archive_names(_get(url, access), url)
    if any(name.endswith("/Cargo.toml") for name in names):
        return "rust"
    return "c" if any(name.lower().endswith(_COMPILED) for name in names) else "pure"


def _archive_names(data: bytes, url: str) -> list[str]:
    try:
        if url.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.namelist()
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            return tar.getnames()
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError):
        return [".c"]  # unreadable: assume the worst, a native build


def _central_directory_size(tail: bytes) -> int:
    at = tail.rfind(_EOCD)
    if at < 0 or at + 22 > len(tail):
        raise TransientError("a wheel's zip directory could not be read from the index",
                             hint="run `builder lock` again; if it persists the index serves a damaged file")
    return int(struct.unpack("<I", tail[at + 12:at + 16])[0])


def _get(url: str, access: IndexAccess, *, accept: str = "", first: int | None = None) -> bytes:
    headers = {"User-Agent": "builder-lock", **access.headers_for(url)}
    if accept:
        headers["Accept"] = accept
    if first:
        headers["Range"] = f"bytes={first}-"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT,
                                    context=access.ssl_context()) as response:
            body: bytes = response.read()
            if first and response.status != 206:  # the server ignored the range: it sent the whole file
                return body[first:]
            return body
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # permanent: the name (or version) is not on the index, and waiting will not change it
            raise BuilderError(f"the package index has no {url.rstrip('/').rsplit('/', 1)[-1]!r} ({url})",
                               hint="check the package's name and version in the app's requirements") from None
        if exc.code in (401, 403):
            raise BuilderError(f"the package index refused {access.mask(url)} ({exc.code})",
                               hint="check BUILDER_INDEX_USERNAME and BUILDER_INDEX_PASSWORD (or the credentials "
                                    "in BUILDER_INDEX_URL)") from None
        raise TransientError(f"the package index answered {exc.code} for {access.mask(url)}",
                             hint="run `builder lock` again later") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        words = access.mask(f"cannot reach the package index ({url}): {exc}")
        raise TransientError(words, hint=network_hint(str(exc))) from None


def _read_cache(path: Path) -> dict[str, int]:
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}
