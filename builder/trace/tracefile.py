"""The trace file (`builder.trace` beside builder.yaml): the files of the slim image a traced image keeps.

One absolute path a line, sorted and unique, so a diff shows exactly what a change of the app or its dependencies
added or dropped; lines starting with `#` say what wrote it and how to write it again. The traced image's assembler
adds what it always needs by itself (the interpreter, the shared-library closure of kept ELF files, the app's own
files, the virtualenv's scripts, the app user), so none of that is listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuilderError
from builder.plan import BuildPlan

DEFAULT_NAME = "builder.trace"
# What the container runtime provides or mounts, and what never holds files the image ships.
RUNTIME_PREFIXES = ("/proc/", "/sys/", "/dev/", "/tmp/", "/run/")
RUNTIME_FILES = frozenset({"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab", "/.dockerenv"})


@dataclass(frozen=True)
class TraceHeader:
    app: str
    image: str
    base: str
    written_at: str  # ISO 8601, UTC
    spec: str  # the spec file's name, for the command that writes the file again


def trace_path(plan: BuildPlan, root: Path) -> Path:
    """Where the plan's trace file lives: `runtime.trace_file` (relative to the app root), else builder.trace."""
    return root / (plan.runtime.trace_file or DEFAULT_NAME)


def listed(plan: BuildPlan, path: str) -> bool:
    """Whether `path` belongs in the list: not provided by the runtime, not added by the assembler anyway."""
    if path in RUNTIME_FILES or path.startswith(RUNTIME_PREFIXES):
        return False
    workdir, venv = plan.runtime.workdir.rstrip("/"), plan.runtime.venv.rstrip("/")
    added = (f"{workdir}/", f"{venv}/bin/")
    return not path.startswith(added) and path != f"{venv}/pyvenv.cfg"


def format_trace(paths: Iterable[str], header: TraceHeader) -> str:
    """The file's text: the header, then the paths sorted and unique."""
    lines = [
        f"# builder.trace for {header.app}: the files of the slim image the traced image keeps, one a line.",
        f"# Written by `builder trace` at {header.written_at} from image {header.image} (base {header.base}).",
        f"# Regenerate: builder --spec {header.spec} trace   (review the diff, then commit it with the spec)",
        "# A path the trace missed can be added by hand; the traced image's verification then says if it sufficed.",
    ]
    return "\n".join([*lines, *sorted(set(paths))]) + "\n"


def parse_trace(text: str, *, file: Path) -> list[str]:
    """The paths of a trace file, comments and blank lines left out; a relative path is the user's mistake."""
    paths = []
    for number, line in enumerate(text.splitlines(), 1):
        path = line.strip()
        if not path or path.startswith("#"):
            continue
        if not path.startswith("/"):
            raise BuilderError(f"{file.name} line {number}: {path!r} is not an absolute path", file=file,
                               line=number, hint="each line names one file of the image, e.g. /usr/lib/python3.11/"
                               "json/__init__.py; run `builder trace` to write the file again")
        paths.append(path)
    return sorted(set(paths))


def read_trace(path: Path) -> list[str]:
    if not path.is_file():
        raise BuilderError(f"no trace file {path.name} in {path.parent}", file=path,
                           hint="run `builder trace` to write it, then commit it beside builder.yaml")
    return parse_trace(path.read_text(encoding="utf-8"), file=path)
