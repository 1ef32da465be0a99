"""Poetry's dependency table (`[tool.poetry.dependencies]` and groups) as PEP 508 requirements.

Poetry writes versions its own way: `^1.2` (>=1.2,<2.0), `~1.2` (>=1.2,<1.3), a bare `1.2.3` (==1.2.3), spaces or
commas between clauses; a `python` key narrows a dependency to some Pythons (a marker in PEP 508).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from builder.lock.errors import LockInputError

_BARE = re.compile(r"^\d+(\.\d+)*(\.\*)?$")


def pep440(constraint: str, *, where: str, path: Path) -> str:
    """A poetry version constraint as a PEP 440 specifier ("" for any version)."""
    text = re.sub(r"([<>=!~^]+)\s+", r"\1", constraint.strip())
    if "||" in text or "|" in text:
        raise LockInputError(f"{where}: {constraint!r} is a choice of ranges (`||`), which PEP 508 cannot express",
                             file=path, hint="narrow it to one range, or set the version in dependencies.overrides")
    clauses = [c for c in re.split(r"[,\s]+(?=[<>=!~^\d*])", text) if c.strip()]
    out = [part for clause in clauses for part in _clause(clause.replace(" ", ""))]
    spec = ",".join(out)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        raise LockInputError(f"{where}: cannot read the version constraint {constraint!r}", file=path,
                             hint="write it as poetry documents: ^1.2, ~1.2, >=1.2,<2, 1.2.3 or *") from None
    return spec


def _clause(clause: str) -> list[str]:
    if clause in ("", "*"):
        return []
    if clause.startswith("^"):
        return _caret(clause[1:])
    if clause.startswith("~") and not clause.startswith("~="):
        return _tilde(clause[1:])
    if _BARE.match(clause):
        return [f"=={clause}"]
    return [clause]


def _caret(version: str) -> list[str]:
    parts = [int(p) for p in version.split(".") if p.isdigit()]
    first = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    upper = [*parts[:first], parts[first] + 1] if parts else [1]
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]


def _tilde(version: str) -> list[str]:
    parts = [int(p) for p in version.split(".") if p.isdigit()]
    upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]


def python_fits(constraint: str, python: str, *, where: str, path: Path) -> bool:
    """Whether some patch release of `python` (3.11) satisfies a poetry or PEP 440 Python constraint."""
    spec = SpecifierSet(pep440(constraint, where=where, path=path))
    return any(spec.contains(f"{python}.{patch}") for patch in (0, 99))


def table_requirements(table: dict[str, Any], *, chosen: set[str], where: str, path: Path) -> list[str]:
    """PEP 508 lines for one dependency table; optional ones only when an extra chose them (canonical names)."""
    lines = []
    for name, spec in table.items():
        if name == "python":
            continue
        for entry in spec if isinstance(spec, list) else [spec]:
            line = _requirement(name, entry, chosen=chosen, where=f"{where} {name}", path=path)
            if line:
                lines.append(line)
    return lines


def _requirement(name: str, entry: Any, *, chosen: set[str], where: str, path: Path) -> str | None:
    table = entry if isinstance(entry, dict) else {"version": entry}
    if table.get("optional") and _canonical(name) not in chosen:
        return None
    if not {"git", "path", "url"}.isdisjoint(table):
        raise LockInputError(f"{where} comes from {table.get('git') or table.get('path') or table.get('url')}, "
                             "not an index", file=path, hint="a hashed lock needs packages from an index; pin it")
    text = name + (f"[{','.join(table['extras'])}]" if table.get("extras") else "")
    text += pep440(str(table.get("version", "*")), where=where, path=path)
    markers = [f"({table['markers']})"] if table.get("markers") else []
    if table.get("python"):
        markers += [f'python_full_version {s.operator} "{s.version}"'
                    for s in SpecifierSet(pep440(str(table["python"]), where=where, path=path))]
    return text + (f" ; {' and '.join(markers)}" if markers else "")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
