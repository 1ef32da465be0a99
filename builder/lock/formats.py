"""pyproject.toml, poetry.lock, Pipfile.lock and uv.lock, each read into the same LockInput."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.lock.errors import LockInputError
from builder.lock.model import Dropped, LockInput, Root
from builder.lock.requirements import root_from


def read_pyproject(path: Path, root: Path, *, extras: list[str]) -> LockInput:
    """PEP 621 `[project] dependencies` plus the chosen optional groups; dependency groups are never production."""
    data = _toml(path)
    project = data.get("project") or {}
    if "dependencies" not in project:
        hint = ("a Poetry project: lock from poetry.lock (dependencies.source: poetry.lock)" if "poetry" in
                data.get("tool", {}) else "declare them in [project] dependencies, or lock from a requirements file")
        raise LockInputError(f"{path.name} declares no [project] dependencies", file=path, hint=hint)
    optional: dict[str, list[str]] = project.get("optional-dependencies") or {}
    _known_extras(extras, optional, path)
    own = canonicalize_name(project.get("name", ""))
    extra_lines, reached = _expand(extras, optional, own)
    lines = [*project["dependencies"], *extra_lines]
    roots = [_root(text, path.name, path) for text in lines if _name(text, path) != own]
    left_out = [Dropped(f"[{group}]", "optional group not in dependencies.extras") for group in optional
                if group not in reached]
    groups = data.get("dependency-groups", {})
    left_out += [Dropped(f"[dependency-groups] {group}", "dependency group") for group in groups]
    return LockInput(kind="pyproject", source=path.name, files=(path,), roots=tuple(roots), left_out=tuple(left_out))


def read_poetry(path: Path, root: Path, *, extras: list[str]) -> LockInput:
    """The main group of pyproject.toml as roots, each held to the version poetry.lock chose."""
    pyproject = path.parent / "pyproject.toml"
    if not pyproject.is_file():
        raise LockInputError(f"{path.name} has no pyproject.toml beside it", file=path,
                             hint="poetry.lock says which versions; pyproject.toml says which packages are the app's")
    lock, data = _toml(path), _toml(pyproject)
    poetry = data.get("tool", {}).get("poetry", {})
    constraints = tuple(f"{p['name']}=={p['version']}" for p in lock.get("package", [])
                        if p.get("source", {}).get("type") in (None, "legacy"))
    roots = _poetry_roots(data, poetry, extras, pyproject)
    left_out = [Dropped(name, f"poetry group {group}") for group, table in poetry.get("group", {}).items()
                if group != "main" for name in table.get("dependencies", {})]
    left_out += [Dropped(name, "poetry dev-dependencies") for name in poetry.get("dev-dependencies", {})]
    left_out += [Dropped(f"[{extra}]", "optional group not in dependencies.extras")
                 for extra in poetry.get("extras", {}) if extra not in extras]
    return LockInput(kind="poetry", source=path.name, files=(path, pyproject), roots=tuple(roots),
                     constraints=constraints, left_out=tuple(left_out))


def _poetry_roots(data: dict[str, Any], poetry: dict[str, Any], extras: list[str], pyproject: Path) -> list[Root]:
    if "dependencies" in data.get("project", {}):  # Poetry 2 reads PEP 621
        return list(read_pyproject(pyproject, pyproject.parent, extras=extras).roots)
    chosen = {canonicalize_name(n) for extra in extras for n in poetry.get("extras", {}).get(extra, [])}
    _known_extras(extras, poetry.get("extras", {}), pyproject)
    roots = []
    for name, spec in poetry.get("dependencies", {}).items():
        table = spec if isinstance(spec, dict) else {}
        if name == "python" or (table.get("optional") and canonicalize_name(name) not in chosen):
            continue
        text = name + (f"[{','.join(table['extras'])}]" if table.get("extras") else "")
        text += f" ; {table['markers']}" if table.get("markers") else ""
        roots.append(_root(text, "pyproject.toml [tool.poetry.dependencies]", pyproject))
    return roots


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
    return LockInput(kind="pipfile", source=path.name, files=(path,), roots=tuple(roots), left_out=left_out)


def read_uv_lock(path: Path, root: Path, *, extras: list[str]) -> LockInput:
    """The project's own dependencies in uv.lock (and chosen extras), held to the locked versions."""
    packages = _toml(path).get("package", [])
    project = next((p for p in packages if set(p.get("source", {})) & {"editable", "virtual"}), None)
    if project is None:
        raise LockInputError(f"{path.name} has no project package (source editable or virtual)", file=path,
                             hint="run `uv lock` in the app's project directory")
    optional = project.get("optional-dependencies", {})
    _known_extras(extras, optional, path)
    entries = [*project.get("dependencies", []), *(d for extra in extras for d in optional[extra])]
    roots = [_root(_uv_requirement(d), path.name, path) for d in entries]
    constraints = tuple(f"{p['name']}=={p['version']}" for p in packages
                        if p is not project and "registry" in p.get("source", {}))
    left_out = [Dropped(canonicalize_name(d["name"]), f"dependency group {group}")
                for group, deps in project.get("dev-dependencies", {}).items() for d in deps]
    left_out += [Dropped(f"[{extra}]", "optional group not in dependencies.extras") for extra in optional
                 if extra not in extras]
    return LockInput(kind="uv", source=path.name, files=(path,), roots=tuple(roots), constraints=constraints,
                     left_out=tuple(left_out))


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
