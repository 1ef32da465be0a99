"""What a measurement of an image holds: plain data, serialisable, no I/O."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from builder.build import BudgetCheck


@dataclass(frozen=True)
class LayerSize:
    """One filesystem layer: the instruction that made it, the bytes it adds, and how many of them later layers hid."""

    index: int
    created_by: str
    size_bytes: int
    files: int
    wasted_bytes: int = 0


@dataclass(frozen=True)
class WastedFile:
    """A file written in one layer and overwritten or deleted in a later one: its bytes still ship."""

    path: str
    size_bytes: int
    written_in: int  # layer index
    hidden_in: int  # layer index of the overwrite or whiteout


@dataclass(frozen=True)
class Waste:
    wasted_bytes: int
    layer_bytes: int  # every regular file in every layer, hidden or not
    largest: list[WastedFile]

    @property
    def efficiency(self) -> float:
        """Share of the shipped bytes that the final filesystem still shows (1.0: nothing wasted)."""
        return 1.0 if self.layer_bytes == 0 else 1 - self.wasted_bytes / self.layer_bytes


@dataclass(frozen=True)
class DirectorySize:
    path: str  # a top-level directory such as /usr, or / for files at the root
    size_bytes: int


@dataclass(frozen=True)
class PackageSize:
    """An installed Python distribution: its files as its RECORD lists them, plus its byte-code caches."""

    name: str
    version: str
    size_bytes: int
    location: str  # the site-packages directory it is installed in


@dataclass(frozen=True)
class Packages:
    """The Python distributions an image's interpreter sees, and the environment they live in."""

    python: str  # the interpreter that was asked, e.g. /opt/venv/bin/python3
    prefix: str  # sys.prefix: the virtualenv, or /usr for a system Python
    virtualenv: bool
    items: list[PackageSize]
    unattributed_bytes: int  # files in site-packages that no distribution claims

    @property
    def total_bytes(self) -> int:
        return sum(p.size_bytes for p in self.items) + self.unattributed_bytes


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    role: str  # master | worker | process
    command: str
    rss_bytes: int
    pss_bytes: int | None  # proportional share: pages shared with the master count in part


@dataclass(frozen=True)
class Startup:
    """A container of the image started on its own: how soon it answered, and what its processes hold at idle."""

    probe: str  # the URL path asked, e.g. /health
    start_to_healthy_seconds: float | None  # from `start` to the first 2xx; None when it never answered
    healthcheck_seconds: float | None  # until the engine's HEALTHCHECK said healthy; None without one
    processes: list[ProcessMemory]
    error: str = ""

    @property
    def workers(self) -> list[ProcessMemory]:
        return [p for p in self.processes if p.role == "worker"]

    @property
    def worker_rss_bytes(self) -> int | None:
        """The median worker's resident memory at idle."""
        workers = self.workers
        return int(statistics.median(p.rss_bytes for p in workers)) if workers else None

    @property
    def worker_pss_bytes(self) -> int | None:
        shares = [p.pss_bytes for p in self.workers if p.pss_bytes is not None]
        return int(statistics.median(shares)) if shares else None


@dataclass(frozen=True)
class RebuildTimes:
    """Build seconds from no cache, after a one-line code change, and after a dependency change."""

    cold_seconds: float
    code_change_seconds: float
    dependency_change_seconds: float


@dataclass(frozen=True)
class ShrinkStep:
    """One of the build's shrinking steps (strip, prune, ...) and what it saved."""

    step: str
    files: int
    bytes_saved: int


@dataclass(frozen=True)
class ImageMeasurement:
    """Where an image's bytes go: layers, top-level directories, wasted bytes, Python packages."""

    image: str
    image_id: str
    size_bytes: int
    layers: list[LayerSize]
    directories: list[DirectorySize]
    waste: Waste
    packages: Packages | None
    virtualenv_bytes: int | None = None  # the virtualenv's files, counted from the layers (not by the packages)
    shrink: list[ShrinkStep] = field(default_factory=list)


@dataclass(frozen=True)
class Delta:
    """One thing that changed against the previous build: a layer, a package, the build time or the size."""

    what: str  # layer | package | size | build_seconds
    name: str
    before: float | None  # None: new in this build
    after: float | None  # None: gone in this build

    @property
    def change(self) -> float:
        return (self.after or 0) - (self.before or 0)


@dataclass(frozen=True)
class TrendPoint:
    when: str  # ISO 8601, UTC
    image_id: str
    size_bytes: int
    build_seconds: float


@dataclass(frozen=True)
class Report:
    """Everything `builder report` shows: the measurement, timings, budgets, and the change since the last build."""

    app: str
    measured_at: str
    image: ImageMeasurement
    startup: Startup | None
    rebuilds: RebuildTimes | None
    build_seconds: float | None  # the recorded build of this image, when history has it
    budgets: list[BudgetCheck]
    deltas: list[Delta]
    previous_image_id: str | None
    trend: list[TrendPoint]
    notes: list[str] = field(default_factory=list)

    @property
    def within_budgets(self) -> bool:
        return all(b.passed for b in self.budgets)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["within_budgets"] = self.within_budgets
        data["image"]["size_mb"] = round(self.image.size_bytes / 1e6, 1)
        data["image"]["waste"]["efficiency"] = round(self.image.waste.efficiency, 4)
        for check, raw in zip(self.budgets, data["budgets"], strict=True):
            raw["passed"] = check.passed
        if self.startup:
            data["startup"]["worker_rss_bytes"] = self.startup.worker_rss_bytes
            data["startup"]["worker_pss_bytes"] = self.startup.worker_pss_bytes
        if self.image.packages:
            data["image"]["packages"]["total_bytes"] = self.image.packages.total_bytes
        return data
