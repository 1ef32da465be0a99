"""Which file `builder lock` reads, and reading it: the spec names one, or the first found here wins."""

from __future__ import annotations

import tomllib
from pathlib import Path

from builder.lock.errors import LockInputError
from builder.lock.formats import read_pipfile, read_pipfile_lock, read_poetry, read_pyproject, read_uv_lock
from builder.lock.model import LockInput
from builder.lock.requirements import read_requirements
from builder.spec import DependenciesSection

# A lock file first: it holds the versions the team already tested. Then a hand-written input, then the
# requirements file the spec names (often `pip freeze` output).
DETECTED = ("uv.lock", "poetry.lock", "Pipfile.lock", "Pipfile", "requirements.in", "pyproject.toml")


def find_source(root: Path, deps: DependenciesSection) -> tuple[Path, bool]:
    """(the input file, whether it was detected rather than named in the spec)."""
    if deps.source:
        path = root / deps.source
        if not path.is_file():
            raise LockInputError(f"dependencies.source {deps.source} not found next to builder.yaml", file=path,
                                 field="dependencies.source", hint="fix the path, or remove it to let builder detect")
        return path, False
    candidates = [*DETECTED, deps.requirements]
    for name in candidates:
        path = root / name
        if path.is_file() and name != deps.lock and (name != "pyproject.toml" or _declares_dependencies(path)):
            return path, True
    raise LockInputError("no dependency input found", file=root, field="dependencies.source",
                         hint=f"add one of {', '.join(candidates)}, or set dependencies.source")


def read_input(path: Path, root: Path, deps: DependenciesSection) -> LockInput:
    """The input in LockInput form, whatever its format."""
    name = path.name
    if path.resolve() == (root / deps.lock).resolve():
        raise LockInputError(f"{name} is the lock itself, not an input", file=path, field="dependencies.source",
                             hint="point dependencies.source at the file you edit, or give dependencies.lock "
                                  "another name")
    if name == "uv.lock":
        return read_uv_lock(path, root, extras=deps.extras, groups=deps.groups)
    if name == "poetry.lock":
        return read_poetry(path, root, extras=deps.extras, groups=deps.groups)
    if name == "Pipfile.lock":
        return read_pipfile_lock(path, root)
    if name == "Pipfile":
        return read_pipfile(path, root)
    if name.endswith(".toml"):
        return read_pyproject(path, root, extras=deps.extras, groups=deps.groups)
    if deps.extras or deps.groups:
        raise LockInputError(f"dependencies.extras and groups do not apply to {name}", field="dependencies.extras",
                             hint="extras and groups are parts of pyproject.toml, poetry.lock or uv.lock")
    return read_requirements(path, root)


def _declares_dependencies(path: Path) -> bool:
    """pyproject.toml often holds only tool settings; it is an input only when it declares dependencies."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return "dependencies" in data.get("project", {}) or "dependencies" in data.get("tool", {}).get("poetry", {})
