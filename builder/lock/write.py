"""Writing the lock next to builder.yaml."""

from __future__ import annotations

from pathlib import Path

from builder.errors import BuilderError
from builder.lock.model import LockResult


def write_lock(root: Path, result: LockResult) -> str:
    """Write the lock; says `created`, `updated` or `unchanged`."""
    path = root / result.lock_name
    existed = path.is_file()
    if existed and path.read_text(encoding="utf-8", errors="replace") == result.text:
        return "unchanged"
    try:
        path.write_text(result.text, encoding="utf-8")
    except OSError as exc:
        raise BuilderError(f"cannot write {path}: {exc.strerror}", file=path,
                           hint="check the directory is writable") from None
    return "updated" if existed else "created"
