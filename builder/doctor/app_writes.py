"""Where the app's own code writes files: literal paths in open(), os.makedirs(), Path.mkdir() and log handlers.

Read once by context.py (the only module that reads files); only literal strings count, a computed path is unknown.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

from builder.doctor.base import Where
from builder.plan import APP_DIR

# Calls whose first argument is a file the call creates or appends to.
FILE_MAKERS = frozenset({"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler"})
DIR_MAKERS = frozenset({"makedirs", "mkdir"})
WRITE_MODES = frozenset("wax+")


def written_dirs(files: list[Path], root: Path) -> tuple[tuple[str, Where], ...]:
    """(directory in the container, where the code first writes it) for the literal writes in `files`."""
    first: dict[str, Where] = {}
    for path in files:
        for directory, where in _in_file(path, root):
            first.setdefault(directory, where)
    return tuple(first.items())


def _in_file(path: Path, root: Path) -> list[tuple[str, Where]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    file = path.relative_to(root).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (directory := _directory(node)) is not None:
            found.append((directory, Where(file, node.lineno)))
    return found


def _directory(call: ast.Call) -> str | None:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name == "mkdir" and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call):
        return _in_container(_literal(call.func.value), directory=True)  # Path("logs").mkdir()
    if name in DIR_MAKERS:
        return _in_container(_literal(call), directory=True)
    if name in FILE_MAKERS or (name == "open" and WRITE_MODES & set(_mode(call))):
        return _in_container(_literal(call), directory=False)
    return None


def _literal(call: ast.Call) -> str | None:
    first = call.args[0] if call.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value else None


def _mode(call: ast.Call) -> str:
    given = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else ""


def _in_container(text: str | None, *, directory: bool) -> str | None:
    """The directory a literal path needs to be writable, relative ones resolved in the working directory."""
    if text is None or "://" in text:
        return None
    path = PurePosixPath(APP_DIR) / text
    return str(path if directory else path.parent)
