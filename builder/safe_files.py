"""Writing inside the app's directory only, to regular files only, all of a set or none of it.

`generate` and `lock` write next to builder.yaml, which arrives from pull requests and templates along with whatever
else is in the checkout: a symlink named Dockerfile that points at ~/.bashrc, a FIFO named compose.yaml, a directory.
Each target is checked without following links, and the whole set is written to temporaries first, then renamed
into place, so a failure half-way leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuilderError

MAX_READ = 4 * 1024 * 1024  # far above any file builder writes or reads, far below what would stall it


def confined(root: Path, name: str) -> Path:
    """root/name, refused unless every part is a plain name and every parent on the way is a real directory."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(part in ("..", ".") for part in parts):
        raise BuilderError(f"{name} is not a file inside the app's directory", file=root,
                           hint="name files relative to builder.yaml, without `..`")
    path = root
    for part in parts[:-1]:
        path = path / part
        problem = not_a_regular_file(path, want_dir=True)
        if problem:
            raise _refused(path, problem)
    return root / name


def not_a_regular_file(path: Path, *, want_dir: bool = False) -> str | None:
    """Why builder must not write at `path` (or through it, as a directory), or None. Links are not followed."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be examined ({exc.strerror})"
    if stat.S_ISLNK(mode):
        return "it is a symbolic link (builder writes only plain files, so a link cannot send it elsewhere)"
    if want_dir:
        return None if stat.S_ISDIR(mode) else "it is not a directory"
    if stat.S_ISDIR(mode):
        return "it is a directory"
    return None if stat.S_ISREG(mode) else "it is not a regular file (a FIFO, socket or device)"


def refuse_unwritable(path: Path) -> None:
    """Raise when `path` is anything but a regular file or nothing."""
    problem = not_a_regular_file(path)
    if problem:
        raise _refused(path, problem)


def _refused(path: Path, problem: str) -> BuilderError:
    return BuilderError(f"refusing to write {path}: {problem}", file=path,
                        hint="remove it or replace it with a plain file, then run the command again")


def read_regular(path: Path, *, limit: int = MAX_READ) -> str | None:
    """The text of a regular file (a link is followed, but must end at one), or None: never blocks on a FIFO."""
    try:
        with open(path, "rb", opener=_nonblocking) as handle:  # Path.open takes no opener
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return None


def _nonblocking(name: str, flags: int) -> int:
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    return os.open(name, flags | os.O_NONBLOCK)


@dataclass(frozen=True)
class Replacement:
    path: Path
    text: str
    previous: str | None  # None: the file did not exist


def write_all(replacements: list[Replacement]) -> None:
    """Every file written, or (on any failure) none changed: temporaries first, then renames, undone on failure."""
    staged: list[tuple[Replacement, Path]] = []
    try:
        for item in replacements:
            staged.append((item, _stage(item.path, item.text)))
    except OSError as exc:
        _discard([tmp for _, tmp in staged])
        raise _cannot_write(exc, Path(exc.filename) if exc.filename else None) from None
    done: list[Replacement] = []
    for item, tmp in staged:
        try:
            refuse_unwritable(item.path)  # again: the checkout may have changed since the plan was made
            tmp.replace(item.path)
        except (OSError, BuilderError) as exc:
            _discard([t for _, t in staged])
            _undo(done)
            raise (exc if isinstance(exc, BuilderError) else _cannot_write(exc, item.path)) from None
        done.append(item)


def _stage(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666  # the umask applies to a new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    if path.is_file():
        tmp.chmod(mode)
    return tmp


def _undo(done: list[Replacement]) -> None:
    for item in reversed(done):
        with contextlib.suppress(OSError):
            if item.previous is None:
                item.path.unlink()
            else:
                _stage(item.path, item.previous).replace(item.path)


def _discard(temporaries: list[Path]) -> None:
    for tmp in temporaries:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _cannot_write(exc: OSError, where: Path | None) -> BuilderError:
    return BuilderError(f"cannot write {where or 'a file'}: {exc.strerror}; nothing was changed", file=where,
                        hint="check the directory is writable (and that no file is immutable)")
