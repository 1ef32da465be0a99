"""pyproject.toml, poetry.lock, Pipfile.lock and uv.lock, each read into the same LockInput."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.lock.errors import LockInputError
from builder.lock.model import Dropped, LockInput, Root
from builder.lock.poetry import pep440, table_requirements
from builder.lock.requirements import root_from


def read_pyproject(path: Path, root: Path, *, extras: list[str], groups: Sequence[str] = ()) -> LockInput:
    """PEP 621 `[project] dependencies` plus the chosen optional groups and dependency groups; else poetry's table."""
    data = _toml(path)
    project = data.get("project") or {}
    if "dependencies" not in project:
        if "poetry" in data.get("tool", {}):
            return read_poetry_table(path, extras=extras, groups=groups)
        raise LockInputError(f"{path.name} declares no [project] dependencies", file=path,
                             hint="declare them in [project] dependencies, or lock from a requirements file")
    optional: dict[str, list[str]] = project.get("optional-dependencies") or {}
    _known_extras(extras, optional, path)
    own = canonicalize_name(project.get("name", ""))
    extra_lines, reached = _expand(extras, optional, own)
    dependency_groups: dict[str, list[Any]] = data.get("dependency-groups", {})
    _known_groups(groups, dependency_groups, path)
    group_lines = [line for g in groups for line in dependency_groups[g] if isinstance(line, str)]
    lines = [*project["dependencies"], *extra_lines, *group_lines]
    roots = [_root(text, path.name, path) for text in lines if _name(text, path) != own]
    left_out = [Dropped(f"[{group}]", "optional group not in dependencies.extras") for group in optional
                if group not in reached]
    left_out += [Dropped(f"[dependency-groups] {g}", "dependency group not in dependencies.groups")
                 for g in dependency_groups if g not in groups]
    return LockInput(kind="pyproject", source=path.name, files=(path,), roots=tuple(roots), left_out=tuple(left_out),
                     requires_python=str(project.get("requires-python", "")))


def read_poetry(path: Path, root: Path, *, extras: list[str], groups: Sequence[str] = ()) -> LockInput:
    """poetry's dependency table as roots (with its version ranges), each held to the version poetry.lock chose."""
    pyproject = path.parent / "pyproject.toml"
    if not pyproject.is_file():
        raise LockInputError(f"{path.name} has no pyproject.toml beside it", file=path,
                             hint="poetry.lock says which versions; pyproject.toml says which packages are the app's")
    lock = _toml(path)
    table = read_pyproject(pyproject, root, extras=extras, groups=groups)
    constraints = tuple(f"{p['name']}=={p['version']}" for p in lock.get("package", [])
                        if p.get("source", {}).get("type") in (None, "legacy"))
    python = str(lock.get("metadata", {}).get("python-versions", ""))
    requires = pep440(python, where=f"{path.name} [metadata] python-versions", path=path) if python else ""
    return LockInput(kind="poetry", source=path.name, files=(path, pyproject), roots=table.roots,
                     constraints=constraints, left_out=table.left_out, requires_python=requires)


def read_poetry_table(pyproject: Path, *, extras: list[str], groups: Sequence[str]) -> LockInput:
    """`[tool.poetry.dependencies]`, the chosen groups and extras, with poetry's ranges and markers in PEP 508."""
    poetry = _toml(pyproject).get("tool", {}).get("poetry", {})
    defined_extras: dict[str, list[str]] = poetry.get("extras", {})
    _known_extras(extras, defined_extras, pyproject)
    defined_groups: dict[str, Any] = poetry.get("group", {})
    _known_groups(groups, defined_groups, pyproject)
    chosen = {str(canonicalize_name(n)) for extra in extras for n in defined_extras[extra]}
    where = "pyproject.toml [tool.poetry.dependencies]"
    dependencies = poetry.get("dependencies", {})
    lines = table_requirements(dependencies, chosen=chosen, where=where, path=pyproject)
    for group in groups:
        lines += table_requirements(defined_groups[group].get("dependencies", {}), chosen=chosen,
                                    where=f"pyproject.toml [tool.poetry.group.{group}]", path=pyproject)
    roots = [_root(text, where, pyproject) for text in lines]
    left_out = [Dropped(name, f"poetry group {group}") for group, table in defined_groups.items()
                if group != "main" and group not in groups for name in table.get("dependencies", {})]
    left_out += [Dropped(name, "poetry dev-dependencies") for name in poetry.get("dev-dependencies", {})]
    left_out += [Dropped(f"[{extra}]", "optional group not in dependencies.extras")
                 for extra in defined_extras if extra not in extras]
    python = str(dependencies.get("python", ""))
    requires = pep440(python, where=f"{where} python", path=pyproject) if python else ""
    return LockInput(kind="poetry", source=pyproject.name, files=(pyproject,), roots=tuple(roots),
                     left_out=tuple(left_out), requires_python=requires)


def read_pipfile_lock(path: Path, root: Path) -> LockInput:
    """Pipfile.lock's `default` section, pinned as it is; `develop` is left out."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LockInputError(f"cannot read {path.name}: {exc}", file=path,
                             hint="regenerate it with `pipenv lock`") from None
    roots = []
    for name, entry in data.get("default", {}).items():
        if "version" not in entry:
            raise LockInputError(f"{path.name}: {name} comes from {entry.get('git') or entry.get('path') or 'a URL'}, "
                                 "not an index", file=path, hint="a hashed lock needs packages from an index; pin it")
        text = name + (f"[{','.join(entry['extras'])}]" if entry.get("extras") else "") + entry["version"]
        text += f" ; {entry['markers']}" if entry.get("markers") else ""
        roots.append(_root(text, f"{path.name} default", path))
    left_out = tuple(Dropped(name, "Pipfile develop") for name in data.get("develop", {}))
    python = str(data.get("_meta", {}).get("requires", {}).get("python_version", ""))
    return LockInput(kind="pipfile", source=path.name, files=(path,), roots=tuple(roots), left_out=left_out,
                     requires_python=f"=={python}.*" if python else "")


def read_pipfile(path: Path, root: Path) -> LockInput:
    """A Pipfile without its lock: `[packages]` as roots (pipenv's `*` is any version); `[dev-packages]` left out."""
    data = _toml(path)
    roots = []
    for name, entry in data.get("packages", {}).items():
        table = entry if isinstance(entry, dict) else {"version": entry}
        if not {"git", "path", "file", "editable"}.isdisjoint(table):
            raise LockInputError(f"{path.name}: {name} does not come from an index", file=path,
                                 hint="a hashed lock needs packages from an index; pin it")
        version = str(table.get("version", "*"))
        text = name + (f"[{','.join(table['extras'])}]" if table.get("extras") else "")
        text += "" if version == "*" else version
        text += f" ; {table['markers']}" if table.get("markers") else ""
        roots.append(_root(text, f"{path.name} [packages]", path))
    left_out = tuple(Dropped(name, "Pipfile dev-packages") for name in data.get("dev-packages", {}))
    python = str(data.get("requires", {}).get("python_version", ""))
    return LockInput(kind="pipfile", source=path.name, files=(path,), roots=tuple(roots), left_out=left_out,
                     requires_python=f"=={python}.*" if python else "")


def read_uv_lock(path: Path, root: Path, *, extras: list[str], groups: Sequence[str] = ()) -> LockInput:
    """The project's own dependencies in uv.lock (and chosen extras and groups), held to the locked versions."""
    data = _toml(path)
    packages = data.get("package", [])
    project = next((p for p in packages if set(p.get("source", {})) & {"editable", "virtual"}), None)
    if project is None:
        raise LockInputError(f"{path.name} has no project package (source editable or virtual)", file=path,
                             hint="run `uv lock` in the app's project directory")
    optional = project.get("optional-dependencies", {})
    _known_extras(extras, optional, path)
    dev: dict[str, list[dict[str, Any]]] = project.get("dev-dependencies", {})
    _known_groups(groups, dev, path)
    entries = [*project.get("dependencies", []), *(d for extra in extras for d in optional[extra]),
               *(d for group in groups for d in dev[group])]
    roots = [_root(_uv_requirement(d), path.name, path) for d in entries]
    constraints = tuple(f"{p['name']}=={p['version']}" for p in packages
                        if p is not project and "registry" in p.get("source", {}))
    left_out = [Dropped(canonicalize_name(d["name"]), f"dependency group {group}")
                for group, deps in dev.items() if group not in groups for d in deps]
    left_out += [Dropped(f"[{extra}]", "optional group not in dependencies.extras") for extra in optional
                 if extra not in extras]
    return LockInput(kind="uv", source=path.name, files=(path,), roots=tuple(roots), constraints=constraints,
                     left_out=tuple(left_out), requires_python=str(data.get("requires-python", "")))


def _uv_requirement(dep: dict[str, Any]) -> str:
    text = str(dep["name"]) + (f"[{','.join(dep['extra'])}]" if dep.get("extra") else "")
    return text + (f" ; {dep['marker']}" if dep.get("marker") else "")


def _expand(extras: list[str], optional: dict[str, list[str]], own: str) -> tuple[list[str], set[str]]:
    """(the chosen extras' requirements, every extra reached), following `own-name[other]` self-references."""
    lines, todo, seen = [], list(extras), set[str]()
    while todo:
        extra = todo.pop(0)
        if extra in seen:
            continue
        seen.add(extra)
        for text in optional.get(extra, []):
            parsed = Requirement(text)
            if canonicalize_name(parsed.name) == own:
                todo += sorted(parsed.extras)
            else:
                lines.append(text)
    return lines, seen


def _known_extras(extras: list[str], defined: dict[str, Any], path: Path) -> None:
    unknown = [e for e in extras if e not in defined]
    if unknown:
        raise LockInputError(f"dependencies.extras names {', '.join(unknown)}, which {path.name} does not define",
                             file=path, hint=f"defined there: {', '.join(defined) or 'none'}")


def _known_groups(groups: Sequence[str], defined: dict[str, Any], path: Path) -> None:
    unknown = [g for g in groups if g not in defined]
    if unknown:
        raise LockInputError(f"dependencies.groups names {', '.join(unknown)}, which {path.name} does not define",
                             file=path, field="dependencies.groups",
                             hint=f"defined there: {', '.join(defined) or 'none'}")


def _root(text: str, origin: str, path: Path) -> Root:
    _requirement(text, path)
    return root_from(text, origin)


def _name(text: str, path: Path) -> str:
    return canonicalize_name(_requirement(text, path).name)


def _requirement(text: str, path: Path) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise LockInputError(f"{path.name}: not a requirement: {text!r} ({exc})", file=path,
                             hint="write it as PEP 508: name, name==1.2.3 or name[extra]>=1.2") from None


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LockInputError(f"cannot read {path.name}: {exc}", file=path, hint="check it is valid TOML") from None
