"""Writing the lock next to builder.yaml: only inside the app's directory, only over a lock `builder lock` wrote."""

from __future__ import annotations

from pathlib import Path

from builder.errors import BuilderError
from builder.lock.lockfile import read_record
from builder.lock.model import LockResult
from builder.safe_files import Replacement, confined, read_regular, refuse_unwritable, write_all
from builder.spec import SPEC_FILENAME


def write_lock(root: Path, result: LockResult) -> str:
    """Write the lock; says `created`, `updated` or `unchanged`."""
    path = confined(root, result.lock_name)
    refuse_unwritable(path)
    current = read_regular(path)
    if current == result.text:
        return "unchanged"
    if current is not None and (path.name == SPEC_FILENAME or read_record(path)[0] is None):
        # The spec, an app's source file, a requirements file: whatever it is, builder did not write it.
        raise BuilderError(f"refusing to overwrite {result.lock_name}: it was not written by `builder lock`",
                           file=path, field="dependencies.lock",
                           hint="set dependencies.lock to a new name (e.g. requirements.lock), or move the file away")
    write_all([Replacement(path, result.text, current)])
    return "updated" if current is not None else "created"
