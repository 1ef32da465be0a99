"""An image's layers, read from `docker save`: bytes per layer, per top-level directory, and bytes wasted.

A layer is a tar of the files an instruction changed. A file a later layer overwrites, or deletes with a whiteout
(`.wh.NAME`, or `.wh..wh..opq` for "everything below this directory"), is hidden in the final filesystem but its bytes
still ship and still take disk: those are the wasted bytes.
"""

from __future__ import annotations

import contextlib
import io
import json
import posixpath
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from builder.errors import BuilderError
from builder.report.model import DirectorySize, LayerSize, Waste, WastedFile
from builder.streams import ChunkReader

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
SMALL_MEMBER = 4 * 1024 * 1024  # manifests and configs are read whole; anything larger is a layer, read as a stream
LARGEST_WASTE = 10


@dataclass(frozen=True)
class LayerEntry:
    path: str  # relative to /, without a leading ./
    size_bytes: int  # regular files only; directories, links and whiteouts count 0
    whiteout: str | None = None  # the path this entry deletes ("dir/" + OPAQUE means all below dir)


@dataclass(frozen=True)
class SavedImage:
    """The layer tars of a saved image, in order, and the instruction behind each."""

    layers: list[list[LayerEntry]]
    created_by: list[str]


@dataclass(frozen=True)
class Filesystem:
    """The final filesystem (path -> (layer, bytes)), what each layer added, and what later layers hid."""

    visible: dict[str, tuple[int, int]]
    layers: list[LayerSize]
    waste: Waste


def read_saved_image(chunks: Iterable[bytes]) -> SavedImage:
    """Parse the stream of `docker save` (classic layout and OCI layout alike) without unpacking it to disk."""
    layers: dict[str, list[LayerEntry]] = {}
    documents: dict[str, Any] = {}
    links: dict[str, str] = {}
    with tarfile.open(fileobj=ChunkReader(chunks), mode="r|") as outer:
        for member in outer:
            name = posixpath.normpath(member.name)
            if member.issym():  # classic layout links a repeated layer to its first copy
                links[name] = posixpath.normpath(posixpath.join(posixpath.dirname(name), member.linkname))
                continue
            handle = outer.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            if member.size <= SMALL_MEMBER:
                _small_member(name, handle.read(), layers, documents)
            else:
                layers[name] = list(_layer_entries(handle))
    try:
        manifest = documents["manifest.json"][0]
        config = documents[posixpath.normpath(manifest["Config"])]
        ordered = [layers[_follow(posixpath.normpath(path), links)] for path in manifest["Layers"]]
    except (KeyError, IndexError, TypeError) as exc:
        raise BuilderError(f"the engine's `docker save` output has no {exc} where builder expects it",
                           hint="this engine saves images in a layout builder does not know: report it, with the"
                           " output of `docker version`") from None
    return SavedImage(ordered, _created_by(config, len(ordered)))


def _small_member(name: str, raw: bytes, layers: dict[str, list[LayerEntry]], documents: dict[str, Any]) -> None:
    """A small member is either JSON (manifest, config) or a small layer; OCI blobs carry no hint which."""
    if raw[:1] in (b"{", b"["):
        try:
            documents[name] = json.loads(raw)
            return
        except ValueError:
            pass
    with contextlib.suppress(tarfile.TarError):  # an OCI index, or another blob that is neither
        layers[name] = list(_layer_entries(io.BytesIO(raw)))


def _follow(name: str, links: dict[str, str]) -> str:
    seen = set()
    while name in links and name not in seen:
        seen.add(name)
        name = links[name]
    return name


def _layer_entries(handle: IO[bytes]) -> Iterator[LayerEntry]:
    with tarfile.open(fileobj=handle, mode="r|*") as layer:  # docker save writes plain tars; others may gzip them
        for member in layer:
            path = posixpath.normpath(member.name.removeprefix("./")).lstrip("/")
            base = posixpath.basename(path)
            if base.startswith(WHITEOUT):
                target = path if base == OPAQUE else posixpath.join(posixpath.dirname(path), base[len(WHITEOUT):])
                yield LayerEntry(path, 0, whiteout=target)
            elif path != ".":
                yield LayerEntry(path, member.size if member.isreg() else 0)


def _created_by(config: dict[str, Any], count: int) -> list[str]:
    """The instruction of each layer: history entries that made no layer (ENV, LABEL...) are skipped."""
    history = [h for h in config.get("history", []) if not h.get("empty_layer")]
    texts = [str(h.get("created_by", "")) for h in history]
    return (texts + [""] * count)[:count]


def apply_layers(saved: SavedImage, *, largest: int = LARGEST_WASTE) -> Filesystem:
    """Stack the layers as the engine does, counting the bytes each later change hides."""
    visible: dict[str, tuple[int, int]] = {}
    hidden_by_layer = [0] * len(saved.layers)
    wasted: list[WastedFile] = []
    for index, entries in enumerate(saved.layers):
        for entry in entries:
            if entry.whiteout is not None:
                gone = _remove(visible, entry.whiteout, below=index)
            else:
                gone = [(entry.path, *visible[entry.path])] if entry.path in visible else []
                visible[entry.path] = (index, entry.size_bytes)
            for path, layer, size in gone:
                if size:
                    hidden_by_layer[layer] += size
                    wasted.append(WastedFile("/" + path, size, layer, index))
    layers = [_layer_size(i, entries, saved.created_by[i], hidden_by_layer[i])
              for i, entries in enumerate(saved.layers)]
    total = sum(layer.size_bytes for layer in layers)
    top = sorted(wasted, key=lambda w: w.size_bytes, reverse=True)[:largest]
    return Filesystem(visible, layers, Waste(sum(hidden_by_layer), total, top))


def _remove(visible: dict[str, tuple[int, int]], target: str, *, below: int) -> list[tuple[str, int, int]]:
    """Delete `target` and everything below it from the layers under `below`; an opaque marker keeps the directory.

    Only lower layers: the whiteout's own layer may list new files in the directory before or after the marker.
    """
    opaque = posixpath.basename(target) == OPAQUE
    directory = posixpath.dirname(target) if opaque else target
    prefix = "" if directory in ("", ".") else directory + "/"
    doomed = [p for p, (layer, _) in visible.items()
              if layer < below and (p.startswith(prefix) or (not opaque and p == directory))]
    return [(p, *visible.pop(p)) for p in doomed]


def _layer_size(index: int, entries: list[LayerEntry], created_by: str, hidden: int) -> LayerSize:
    files = [e for e in entries if e.whiteout is None and e.size_bytes]
    return LayerSize(index, created_by, sum(e.size_bytes for e in files), len(files), hidden)


def directory_sizes(visible: dict[str, tuple[int, int]]) -> list[DirectorySize]:
    """Bytes in the final filesystem per top-level directory, largest first."""
    totals: dict[str, int] = {}
    for path, (_, size) in visible.items():
        top = "/" + path.split("/", 1)[0] if "/" in path else "/"
        totals[top] = totals.get(top, 0) + size
    return sorted((DirectorySize(p, s) for p, s in totals.items() if s), key=lambda d: (-d.size_bytes, d.path))


def bytes_under(visible: dict[str, tuple[int, int]], directory: str) -> int:
    """Bytes of the final filesystem below `directory` (an absolute path)."""
    prefix = directory.strip("/") + "/"
    return sum(size for path, (_, size) in visible.items() if path.startswith(prefix))
