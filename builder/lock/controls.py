"""What the spec and the app itself add to an input: overrides and constraints, the input's own Python range, and
the packages the app's code imports (never dropped as development tools)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from builder.lock.devtools import is_dev_tool
from builder.lock.errors import LockInputError
from builder.lock.imports import app_imports, distribution_of
from builder.lock.model import LockInput, Pin, Root, Target
from builder.spec import DependenciesSection

_REFRESH = {"uv": "widen requires-python in pyproject.toml and run `uv lock`",
            "poetry": "widen `python` in [tool.poetry.dependencies] and run `poetry lock`",
            "pipfile": "change [requires] python_version and run `pipenv lock`",
            "pyproject": "widen requires-python in pyproject.toml"}


@dataclass(frozen=True)
class Controls:
    """The spec's overrides and constraints, checked as PEP 508."""

    overrides: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()


def controls_for(deps: DependenciesSection) -> Controls:
    return Controls(tuple(_checked(deps.overrides, "overrides")), tuple(_checked(deps.constraints, "constraints")))


def _checked(lines: Sequence[str], name: str) -> list[str]:
    for index, line in enumerate(lines):
        try:
            Requirement(line)
        except InvalidRequirement as exc:
            raise LockInputError(f"dependencies.{name}[{index}] is not a requirement: {line!r} ({exc})",
                                 field=f"dependencies.{name}", hint="write it as PEP 508: markupsafe==2.0.1, "
                                 "sqlalchemy>=1.3.24,<1.4") from None
    return list(lines)


def require_python(lock_input: LockInput, target: Target, root: Path) -> None:
    """Refuse an input whose own Python range excludes the image's Python: its versions were chosen for others."""
    try:
        allowed = SpecifierSet(lock_input.requires_python)
    except InvalidSpecifier:
        return
    if not lock_input.requires_python or any(allowed.contains(f"{target.python}.{p}") for p in (0, 99)):
        return
    refresh = _REFRESH.get(lock_input.kind, "widen the Python range it declares")
    raise LockInputError(f"{lock_input.source} is for Python {lock_input.requires_python}, and the image runs "
                         f"Python {target.python}, which that excludes", file=root / lock_input.source,
                         field="python", hint=f"set `python:` in builder.yaml to a version it allows, or {refresh}")


def override_lines(overrides: Iterable[str], pins: Iterable[Pin], roots: Iterable[Root], *,
                   target: Target) -> list[str]:
    """One line per override: what it forced, or removed, and what the input had asked for that package."""
    locked = {p.name: p.version for p in pins}
    asked = {r.name: r for r in roots}
    lines = []
    for text in overrides:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        root = asked.get(name)
        if name in locked:
            instead = f"instead of {root.text!r} in the input" if root else "whatever its dependents ask for"
            lines.append(f"{text}: {name} {locked[name]} is locked, {instead}")
        elif requirement.marker and not requirement.marker.evaluate(target.markers()):
            # uv replaces every requirement of the package with the override, so a marker false on the image
            # takes the package out wherever it is asked for.
            also = f", though the input asks for {root.text!r} ({root.origin})" if root else ""
            lines.append(f"{text}: removed {name} from the lock: the marker excludes the image's Python "
                         f"{target.python}{also}")
        else:
            lines.append(f"{text}: not applied, nothing in the lock needs {name}")
    return lines


def imported_tools(root: Path, roots: Iterable[Root]) -> dict[str, str]:
    """{distribution: why it stays} for roots named like development tools that the app's code imports."""
    imported = {distribution_of(module): (module, where) for module, where in app_imports(root).items()}
    return {r.name: f"a development tool by name, but {imported[r.name][1]} imports {imported[r.name][0]}"
            for r in roots if is_dev_tool(r.name) and r.name in imported}
