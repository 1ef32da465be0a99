"""generate: Artifacts -> files on disk, never over a file a person edited."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from builder.errors import BuilderError
from builder.templates import Artifact, body_hash, split_header


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    KEPT_EDITED = "kept: edited by hand"
    KEPT_FOREIGN = "kept: not written by builder"
    KEPT_YOURS = "kept: yours"
    FORCED = "overwritten (--force)"


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    action: Action
    note: str = ""

    @property
    def kept(self) -> bool:
        return self.action in (Action.KEPT_EDITED, Action.KEPT_FOREIGN)


@dataclass(frozen=True)
class Drift:
    path: Path
    reason: str
    diff: str
    hand_edited: bool = False


def owner_of(path: Path) -> Action | None:
    """Who the file on disk belongs to: None if builder may replace it, else why it must be kept."""
    if not path.exists():
        return None
    recorded, body = split_header(path.read_text(encoding="utf-8", errors="replace"))
    if recorded is None:
        return Action.KEPT_FOREIGN
    return None if recorded == body_hash(body) else Action.KEPT_EDITED


def write_artifacts(root: Path, artifacts: list[Artifact], *, force: bool = False) -> list[FileOutcome]:
    """Write each artifact unless a person owns the file there (or `force`)."""
    return [_write_one(root / a.name, a, force=force) for a in artifacts]


def _write_one(path: Path, artifact: Artifact, *, force: bool) -> FileOutcome:
    existed = path.exists()
    text = artifact.text
    if existed and path.read_text(encoding="utf-8", errors="replace") == text:
        return FileOutcome(path, Action.UNCHANGED)
    owner = owner_of(path)
    if owner is Action.KEPT_FOREIGN and artifact.if_foreign:
        return FileOutcome(path, Action.KEPT_YOURS, artifact.if_foreign)
    if owner and not force:
        return FileOutcome(path, owner)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # .github/workflows/ in a fresh app
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BuilderError(f"cannot write {path}: {exc.strerror}", hint="check the directory is writable",
                           file=path) from None
    if owner:
        return FileOutcome(path, Action.FORCED)
    return FileOutcome(path, Action.UPDATED if existed else Action.CREATED)


def check_artifacts(root: Path, artifacts: list[Artifact]) -> list[Drift]:
    """Files on disk that differ from what `generate` would write now, with a unified diff each."""
    drifts = []
    for artifact in artifacts:
        path = root / artifact.name
        current = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        if current == artifact.text:
            continue
        owner = owner_of(path) if path.exists() else None
        if owner is Action.KEPT_FOREIGN and artifact.if_foreign:
            continue
        reason = "missing" if not path.exists() else _drift_reason(owner)
        diff = "".join(difflib.unified_diff(current.splitlines(keepends=True), artifact.text.splitlines(keepends=True),
                                            f"{artifact.name} (on disk)", f"{artifact.name} (generated)"))
        drifts.append(Drift(path, reason, diff, hand_edited=owner is not None))
    return drifts


def _drift_reason(owner: Action | None) -> str:
    if owner is Action.KEPT_EDITED:
        return "edited by hand since it was generated"
    if owner is Action.KEPT_FOREIGN:
        return "not written by builder"
    return "stale: builder.yaml or builder changed since it was generated"
