"""The local history of builds: one JSON line per build, so a report can say what changed since the last one.

The file lives outside the app's directory (in the user's state directory) so that writing it never changes the
build context, which would throw away the cached `COPY . /app` layer on the next build.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from docker.errors import DockerException

from builder.build import BuildResult
from builder.report.model import Delta, Packages, TrendPoint
from builder.report.packages import measure_packages

HISTORY_ENV = "BUILDER_HISTORY_DIR"
TREND_POINTS = 30
# BuildKit writes the build args in front of a RUN (`|1 PYTHON_BASE=... /bin/sh -c`): they are not the instruction.
_BUILD_ARGS = re.compile(r"\|\d+ (?:\S+=\S* )*")
_SHELL = re.compile(r"^(?:RUN )?/bin/sh -c ")
INSTRUCTION_CHARS = 120  # the build's record keeps 200 characters; keys compare this much


@dataclass(frozen=True)
class HistoryEntry:
    """What one build measured."""

    when: str  # ISO 8601, UTC
    app: str
    tag: str
    image_id: str
    size_bytes: int
    build_seconds: float | None
    layers: list[dict[str, Any]]  # {"created_by", "size_bytes"}, oldest first
    packages: dict[str, int] | None = None  # distribution name -> bytes; None when not measured
    base: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def history_dir() -> Path:
    """$BUILDER_HISTORY_DIR, else $XDG_STATE_HOME/builder/history, else ~/.local/state/builder/history."""
    if override := os.environ.get(HISTORY_ENV):
        return Path(override)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "builder" / "history"


def history_file(app: str, directory: Path | None = None) -> Path:
    return (directory or history_dir()) / f"{app}.jsonl"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_for_build(result: BuildResult, packages: Packages | None, *, when: str | None = None) -> HistoryEntry:
    layers = [{"created_by": layer.created_by, "size_bytes": layer.size_bytes} for layer in result.layers]
    return HistoryEntry(when or now(), result.app, result.tag, result.image_id, result.size_bytes, result.seconds,
                        layers, package_sizes(packages), result.base.used)


def package_sizes(packages: Packages | None) -> dict[str, int] | None:
    return None if packages is None else {p.name.lower(): p.size_bytes for p in packages.items}


def append(path: Path, entry: HistoryEntry) -> None:
    """Add one line; the directory is made on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(entry.to_json() + "\n")


def load(path: Path) -> tuple[list[HistoryEntry], int]:
    """The entries, oldest first, and how many lines could not be read (a half-written line, a hand edit)."""
    if not path.is_file():
        return [], 0
    entries, bad = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            entries.append(HistoryEntry(**json.loads(line)))
        except (ValueError, TypeError):
            bad += 1
    return entries, bad


def this_and_previous(entries: list[HistoryEntry], image_id: str) -> tuple[HistoryEntry | None, HistoryEntry | None]:
    """The latest build of `image_id`, and the latest build of another image before it (before all, if unbuilt)."""
    latest = max((i for i, e in enumerate(entries) if e.image_id == image_id), default=None)
    earlier = entries if latest is None else entries[:latest]
    previous = next((e for e in reversed(earlier) if e.image_id != image_id), None)
    return (None if latest is None else entries[latest]), previous


def deltas(current: HistoryEntry, previous: HistoryEntry) -> list[Delta]:
    """What changed: image size, build time, each layer (matched by instruction) and each package; unchanged omitted."""
    changes = [Delta("size", "image", previous.size_bytes, current.size_bytes)]
    if current.build_seconds is not None and previous.build_seconds is not None:
        changes.append(Delta("build_seconds", "build", previous.build_seconds, current.build_seconds))
    changes += _paired("layer", _layer_sizes(previous.layers), _layer_sizes(current.layers))
    if current.packages is not None and previous.packages is not None:
        changes += _paired("package", previous.packages, current.packages)
    return [d for d in changes if d.before != d.after]


def _paired(what: str, before: dict[str, int], after: dict[str, int]) -> list[Delta]:
    names = list(dict.fromkeys([*before, *after]))
    found = [Delta(what, name, before.get(name), after.get(name)) for name in names]
    return sorted(found, key=lambda d: -abs(d.change))


def _layer_sizes(layers: list[dict[str, Any]]) -> dict[str, int]:
    """Layers that hold bytes, keyed by their instruction; a repeated instruction gets #2, #3."""
    sizes: dict[str, int] = {}
    for layer in layers:
        if not layer.get("size_bytes"):
            continue
        key = instruction(str(layer.get("created_by", "")))
        count = sum(1 for k in sizes if k == key or k.startswith(key + " #"))
        sizes[key if count == 0 else f"{key} #{count + 1}"] = int(layer["size_bytes"])
    return sizes


def instruction(created_by: str) -> str:
    """A layer's instruction as a person reads it: no build args, no `/bin/sh -c`, no `# buildkit`, one line."""
    text = _BUILD_ARGS.sub("", created_by, count=1).replace("/bin/sh -c #(nop) ", "")
    text = " ".join(_SHELL.sub("RUN ", text.strip()).removesuffix("# buildkit").split())
    return text[:INSTRUCTION_CHARS] or "(base image)"


def trend(entries: list[HistoryEntry], *, points: int = TREND_POINTS) -> list[TrendPoint]:
    return [TrendPoint(e.when, e.image_id, e.size_bytes, e.build_seconds or 0.0) for e in entries[-points:]]


def record_build(result: BuildResult, client: Any, *, path: Path | None = None) -> tuple[Path, str]:
    """Append a finished build to its app's history, with the package sizes read in the image; the file and a note."""
    try:
        packages, note = measure_packages(client, result.image_id)
    except (DockerException, requests.RequestException) as exc:  # the build worked; its record can do without
        packages, note = None, f"package sizes not measured: {exc}"
    path = path or history_file(result.app)
    try:
        append(path, entry_for_build(result, packages))
    except OSError as exc:
        return path, f"build history not written: {exc}"
    return path, note
