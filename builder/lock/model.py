"""The data `builder lock` works with: the target, what the input asks for, the pins, and what was found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

SourceKind = Literal["requirements", "pyproject", "poetry", "pipfile", "uv"]

# glibc of each Debian suite the bases come from: the newest manylinux wheels the image can load.
# trixie has 2.41 and forky newer; uv's newest manylinux target is 2_40. forky's stand-in stands in for an official
# image on trixie, so its lock must suit trixie's glibc too.
GLIBC = {"bookworm": "2_36", "trixie": "2_40", "forky": "2_40"}
ARCHES = ("x86_64", "aarch64")


@dataclass(frozen=True)
class Target:
    """The interpreter and platform the lock is resolved for: the image's, not the host's."""

    python: str  # "3.13"
    arch: str = "x86_64"
    glibc: str = "2_36"

    @property
    def uv_platform(self) -> str:
        return f"{self.arch}-manylinux_{self.glibc}"

    @property
    def interpreter(self) -> str:
        return "cp" + self.python.replace(".", "")

    def describe(self) -> str:
        return f"CPython {self.python} on {self.uv_platform}"

    def markers(self) -> dict[str, str]:
        """PEP 508 marker values on the image, for judging a requirement's marker there rather than on this host."""
        return {"python_version": self.python, "python_full_version": f"{self.python}.0", "os_name": "posix",
                "sys_platform": "linux", "platform_system": "Linux", "platform_machine": self.arch,
                "implementation_name": "cpython", "platform_python_implementation": "CPython"}


@dataclass(frozen=True)
class Root:
    """One top-level requirement of the input, and where it was written."""

    text: str  # PEP 508, without hashes
    name: str  # canonical name
    origin: str  # "requirements.txt:3", "pyproject.toml", ...
    pinned: bool = False  # an exact `==` pin


@dataclass(frozen=True)
class Dropped:
    """A package or group left out of the production lock, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class LockInput:
    """What an input file asks for, in one shape whatever its format."""

    kind: SourceKind
    source: str  # relative to the spec's directory
    files: tuple[Path, ...]  # every file read: their content decides whether the lock is stale
    roots: tuple[Root, ...]
    constraints: tuple[str, ...] = ()  # versions a lock file already chose; the roots resolve within them
    options: tuple[str, ...] = ()  # index options from requirements files (--index-url, --find-links, ...)
    left_out: tuple[Dropped, ...] = ()  # groups that are not production: dev groups, unchosen extras
    requires_python: str = ""  # PEP 440: the Pythons the input (its lock, its project) says it supports


@dataclass(frozen=True)
class WheelFile:
    filename: str
    url: str
    size: int  # compressed
    sha256: str


@dataclass(frozen=True)
class Pin:
    """One pinned distribution of the lock and the files the target can install it from."""

    name: str
    version: str
    hashes: tuple[str, ...]  # every file of this version (any platform), so the lock installs anywhere
    via: tuple[str, ...]  # what requires it: package names, or the input file
    wheels: tuple[WheelFile, ...] = ()  # the target's wheels only
    sdist: WheelFile | None = None

    @property
    def pure(self) -> bool:
        return bool(self.wheels) and all(w.filename.endswith("-none-any.whl") for w in self.wheels)


@dataclass(frozen=True)
class SourceBuild:
    """A pin with no wheel for the target: built in the builder stage, needing these Debian packages."""

    name: str
    version: str
    build_packages: tuple[str, ...]
    runtime_packages: tuple[str, ...]
    known: bool  # False: builder guessed a C toolchain, it does not know this package
    alternative: str = ""  # a wheel-shipping replacement, when there is a well-known one
    allowed: bool = False  # named in dependencies.build_from_source

    def describe(self) -> str:
        if not self.build_packages:
            return f"{self.name} {self.version}: pure Python, builds from its sdist with no system packages"
        runtime = f"; runtime stage + {' '.join(self.runtime_packages)}" if self.runtime_packages else ""
        return f"{self.name} {self.version}: builder stage + {' '.join(self.build_packages)}{runtime}"


@dataclass(frozen=True)
class Workaround:
    """A package lock added so that a locked one works in the image, and the upgrade that would make it needless."""

    added: str  # the requirement lock added: "setuptools<82"
    needed_by: str  # "gunicorn 20.1.0"
    reason: str
    fix: str


@dataclass(frozen=True)
class Weight:
    name: str
    version: str
    unpacked_bytes: int | None  # None: built from source, unknown until built
    heavy: bool


@dataclass(frozen=True)
class LockResult:
    """Everything `builder lock` decided, ready to write and report."""

    input: LockInput
    target: Target
    lock_name: str
    text: str  # the lock file as it will be written
    pins: tuple[Pin, ...]
    dropped: tuple[Dropped, ...]
    weights: tuple[Weight, ...]  # heaviest first
    source_builds: tuple[SourceBuild, ...]
    heavy_mb: float
    detected: bool = False  # the input was found, not named by dependencies.source
    notes: tuple[str, ...] = field(default=())
    added: tuple[str, ...] = field(default=())  # server packages the input lacked: `name: why`
    overrides: tuple[str, ...] = field(default=())  # each of the spec's overrides: what it forced
    kept: tuple[str, ...] = field(default=())  # development tools kept because the app imports them: `name: why`
    evidence: tuple[tuple[str, str], ...] = field(default=())  # (package, the file that decides it installs)
    workarounds: tuple[Workaround, ...] = field(default=())

    @property
    def total_bytes(self) -> int:
        return sum(w.unpacked_bytes or 0 for w in self.weights)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.input.source, "kind": self.input.kind, "lock": self.lock_name,
            "target": {"python": self.target.python, "platform": self.target.uv_platform},
            "pins": {p.name: p.version for p in self.pins},
            "dropped": [asdict(d) for d in self.dropped],
            "weights": [asdict(w) for w in self.weights], "total_bytes": self.total_bytes, "heavy_mb": self.heavy_mb,
            "source_builds": [asdict(s) for s in self.source_builds], "notes": list(self.notes),
            "added": list(self.added), "overrides": list(self.overrides), "kept": list(self.kept),
            "evidence": dict(self.evidence), "requires_python": self.input.requires_python,
            "workarounds": [asdict(w) for w in self.workarounds],
        }
