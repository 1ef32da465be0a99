"""generate: Artifacts -> files on disk, never over a file a person edited, all of them or none."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from builder.errors import BuilderError
from builder.safe_files import Replacement, confined, not_a_regular_file, read_regular, write_all
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
    if not_a_regular_file(path):
        return Action.KEPT_FOREIGN
    text = read_regular(path)
    if text is None:
        return None
    recorded, body = split_header(text)
    if recorded is None:
        return Action.KEPT_FOREIGN
    return None if recorded == body_hash(body) else Action.KEPT_EDITED


def write_artifacts(root: Path, artifacts: list[Artifact], *, force: bool = False,
                    spec: Path | None = None) -> list[FileOutcome]:
    """Write each artifact unless a person owns the file there (or `force`); all the writes happen, or none.

    A target that is a link, a directory, a FIFO or the spec itself is refused before anything is written.
    """
    decided = [_decide(confined(root, a.name), a, force=force, spec=spec) for a in artifacts]
    write_all([replacement for _, replacement in decided if replacement is not None])
    return [outcome for outcome, _ in decided]


def _decide(path: Path, artifact: Artifact, *, force: bool,
            spec: Path | None) -> tuple[FileOutcome, Replacement | None]:
    text = artifact.text
    problem = not_a_regular_file(path)
    if problem or (spec is not None and path.exists() and path.resolve() == spec.resolve()):
        raise BuilderError(f"refusing to write {path}: {problem or 'it is the spec'}", file=path,
                           hint="remove it or replace it with a plain file, then run `builder generate` again")
    current = read_regular(path)
    if current == text:
        return FileOutcome(path, Action.UNCHANGED), None
    owner = owner_of(path) if current is not None else None
    if owner is Action.KEPT_FOREIGN and artifact.if_foreign:
        return FileOutcome(path, Action.KEPT_YOURS, artifact.if_foreign), None
    if owner and not force:
        return FileOutcome(path, owner), None
    action = Action.FORCED if owner else Action.UPDATED if current is not None else Action.CREATED
    return FileOutcome(path, action), Replacement(path, text, current)


def check_artifacts(root: Path, artifacts: list[Artifact]) -> list[Drift]:
    """Files on disk that differ from what `generate` would write now, with a unified diff each."""
    drifts = []
    for artifact in artifacts:
        path = confined(root, artifact.name)
        problem = not_a_regular_file(path)
        current = None if problem else read_regular(path)
        if current == artifact.text:
            continue
        owner = owner_of(path) if current is not None else None
        if owner is Action.KEPT_FOREIGN and artifact.if_foreign:
            continue
        reason = problem or ("missing" if current is None else _drift_reason(owner))
        diff = "".join(difflib.unified_diff((current or "").splitlines(keepends=True),
                                            artifact.text.splitlines(keepends=True),
                                            f"{artifact.name} (on disk)", f"{artifact.name} (generated)"))
        drifts.append(Drift(path, reason, diff, hand_edited=owner is not None))
    return drifts


def _drift_reason(owner: Action | None) -> str:
    if owner is Action.KEPT_EDITED:
        return "edited by hand since it was generated"
    if owner is Action.KEPT_FOREIGN:
        return "not written by builder"
    return "stale: builder.yaml or builder changed since it was generated"
