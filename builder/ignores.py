"""The spec's `ignore:` list: findings acknowledged on purpose, each with an ID, a path glob and a reason.

An ignored finding is kept, marked with its reason: lint, scan and doctor leave it out of their table and verdict
(and say how many they left out); SARIF lists it with a suppression, as code scanning expects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from builder.findings import Finding
from builder.spec import IgnoreEntry


def matching(entries: Sequence[IgnoreEntry], finding_id: str, path: str,
             also: Iterable[str] = ()) -> IgnoreEntry | None:
    """The first entry for this ID (or one of the IDs merged into it) whose glob takes `path`."""
    ids = {finding_id, *also}
    return next((e for e in entries if e.id in ids and (e.path == "*" or fnmatchcase(path, e.path))), None)


def apply_ignores(findings: Iterable[Finding], entries: Sequence[IgnoreEntry], *, base: Path,
                  spec_root: Path) -> list[Finding]:
    """Each finding, marked suppressed when an entry takes it; `base` is what the findings' files are relative to."""
    if not entries:
        return list(findings)
    marked = []
    for finding in findings:
        entry = matching(entries, finding.id, _as_in_spec(finding.file or "", base, spec_root), finding.also)
        marked.append(replace(finding, suppressed=entry.reason) if entry and not finding.suppressed else finding)
    return marked


def _as_in_spec(file: str, base: Path, spec_root: Path) -> str:
    """A finding's file as builder.yaml's paths are written: relative to its directory (an image tag stays)."""
    candidate = base / file
    if not file or not candidate.exists():
        return file
    relative = os.path.relpath(candidate.resolve(), spec_root.resolve())
    return file if relative.startswith("..") else Path(relative).as_posix()
