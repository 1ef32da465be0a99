"""The modules the app's own code imports, and where: lock keeps what they need, --verify imports each of them.

Only the app's code counts: tests, examples and docs are skipped (as intake skips them), and so are the app's own
modules, the standard library, relative imports and imports guarded by `except ImportError` (optional by intent).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from packaging.utils import canonicalize_name

from builder.intake.files import TEST_DIRS, AppFiles

# Distributions whose import name is not their name (the rest: `flask_debugtoolbar` is flask-debugtoolbar).
IMPORT_NAMES = {"debug_toolbar": "django-debug-toolbar", "IPython": "ipython", "factory": "factory-boy",
                "pdbpp": "pdbpp", "line_profiler": "line-profiler", "memory_profiler": "memory-profiler"}
_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def app_imports(root: Path) -> dict[str, str]:
    """{top-level module: `file:line` of its first import} for third-party modules the app's code imports."""
    files = AppFiles.scan(root)
    sources = [p for p in files.paths if p.endswith(".py") and not _is_test(p)]
    own = _own_modules(files.paths)
    found: dict[str, str] = {}
    for rel in sources:
        for module, line in _imports_of(files.text(rel) or ""):
            if module not in own and module not in sys.stdlib_module_names and module != "__future__":
                found.setdefault(module, f"{rel}:{line}")
    return dict(sorted(found.items()))


def distribution_of(module: str) -> str:
    """The distribution an import name most likely comes from, by the common convention or the known exceptions."""
    return canonicalize_name(IMPORT_NAMES.get(module, module))


def _is_test(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return bool(TEST_DIRS & set(parts[:-1])) or name.startswith("test_") or name in ("conftest.py", "setup.py")


def _own_modules(paths: tuple[str, ...]) -> set[str]:
    """Names the app's own files answer to: a top-level module, a package, or a directory on the path (src/)."""
    own = {p.split("/", 1)[0].removesuffix(".py") for p in paths}
    own |= {p.split("/")[1].removesuffix(".py") for p in paths if p.startswith("src/") and p.count("/") >= 1}
    return own


def _imports_of(text: str) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []  # not Python this interpreter reads: nothing to say about it
    tries = [t for t in ast.walk(tree) if isinstance(t, ast.Try) and _catches_import_error(t)]
    guarded = {id(inner) for t in tries for statement in t.body for inner in ast.walk(statement)}
    found = []
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".", 1)[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".", 1)[0], node.lineno))
    return sorted(found, key=lambda item: item[1])


def _catches_import_error(node: ast.Try) -> bool:
    names = set()
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names |= {k.id for k in kinds if isinstance(k, ast.Name)}
        if handler.type is None:
            return True
    return bool(names & _GUARDS)
