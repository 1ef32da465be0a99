"""builder lock --check: is the lock on disk what `builder lock` would make from today's inputs? No network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.lock.inputs import find_source, read_input
from builder.lock.lockfile import content_hash, read_record, stamp_of, unsealed
from builder.lock.make import stamp_for, target_for
from builder.spec import AppSpec


@dataclass(frozen=True)
class LockCheck:
    lock: str
    reasons: tuple[str, ...]  # empty: up to date

    @property
    def fresh(self) -> bool:
        return not self.reasons


def check_lock(spec: AppSpec, root: Path) -> LockCheck:
    """Why the lock is stale (missing, edited by hand, or its inputs or target changed); nothing when it is not."""
    name = spec.dependencies.lock
    path = root / name
    if not path.is_file():
        return LockCheck(name, (f"{name} does not exist",))
    record, body = read_record(path)
    if record is None:
        return LockCheck(name, (f"{name} was not written by `builder lock` (it has no builder-lock record)",))
    if record.get("body") != content_hash(body):
        return LockCheck(name, (f"{name} was edited by hand since `builder lock` wrote it",))
    if reason := unsealed(record):
        return LockCheck(name, (f"{name}: {reason}",))
    recorded = stamp_of(record)
    arch = recorded.platform.split("-", 1)[0] or "x86_64"
    lock_input = read_input(find_source(root, spec.dependencies)[0], root, spec.dependencies)
    now = stamp_for(spec, root, lock_input, target_for(spec, arch=arch))
    return LockCheck(name, tuple(recorded.differences(now)))
