"""builder trace's static analysis, run in the slim image by its own interpreter (exec form, no shell).

usage: closure.py WORKDIR FOLDER [--resolve-only]
Reads FOLDER/candidates.txt (what the trace recorded, one path a line), writes FOLDER/closure.json: the import
closure of every module under WORKDIR (modulefinder, so an import inside a function never called still counts),
each module's files (source, bytecode, extension), and the recorded paths that are regular files here, resolved.
With --resolve-only, only the recorded paths (the closure is left empty).
"""
# It runs on the image's interpreter, whatever its version: the standard library only, os.path throughout.

from __future__ import annotations

import importlib.util
import json
import modulefinder
import os
import sys
from typing import Any

SKIPPED_DIRS = {"__pycache__", "node_modules", ".git", ".venv", "venv"}


def app_sources(workdir: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(workdir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(".py")]
    return found


def module_name(workdir: str, path: str) -> str | None:
    """The dotted name a file imports as from WORKDIR (the app's sys.path entry), or None for a script."""
    parts = os.path.relpath(path, workdir)[: -len(".py")].split(os.sep)
    folder = os.path.dirname(path)
    for _ in parts[:-1]:  # every folder between WORKDIR and the file must be a package
        if not os.path.isfile(os.path.join(folder, "__init__.py")):
            return None
        folder = os.path.dirname(folder)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


class Finder(modulefinder.ModuleFinder):
    """modulefinder, taught namespace packages (a folder without __init__.py, like flask.sansio): it fails on
    their spec, which has no loader, and would abandon the whole closure of the module importing one."""

    def import_module(self, partname: str, fqname: str, parent: Any) -> Any:
        try:
            return super().import_module(partname, fqname, parent)
        except AttributeError:
            search = parent.__path__ if parent is not None else self.path
            folders = [os.path.join(p, partname) for p in search if os.path.isdir(os.path.join(p, partname))]
            if not folders:
                raise ImportError(f"modulefinder cannot read {fqname}", name=fqname) from None
            module = self.add_module(fqname)
            module.__path__ = folders  # type: ignore[attr-defined]
            if parent is not None:
                setattr(parent, partname, module)
            return module


def closure(workdir: str) -> tuple[dict[str, str], list[str]]:
    """Every module the app's files can import, name -> file; and what could not be analysed."""
    finder = Finder(path=[workdir, *sys.path])
    problems = []
    for path in app_sources(workdir):
        name = module_name(workdir, path)
        try:
            if name:
                finder.import_hook(name)
            else:  # a script (gunicorn.conf.py, a migration): its imports count, it is no module
                finder.run_script(path)
        except Exception as exc:  # a file modulefinder cannot parse: say so, keep going
            problems.append(f"{path}: {type(exc).__name__}: {exc}")
    files = {name: getattr(m, "__file__", None) for name, m in finder.modules.items() if name != "__main__"}
    modules = {name: os.path.realpath(file) for name, file in files.items() if file and os.path.isfile(file)}
    return modules, problems


def with_companions(paths: set[str]) -> set[str]:
    """A source brings its bytecode (no compile at start, none possible on a read-only root) and bytecode its
    source (readable tracebacks)."""
    found = set(paths)
    for path in paths:
        try:
            other = importlib.util.cache_from_source(path) if path.endswith(".py") else (
                importlib.util.source_from_cache(path) if path.endswith(".pyc") else None)
        except ValueError:  # a .pyc outside __pycache__
            other = None
        if other and os.path.isfile(other):
            found.add(os.path.realpath(other))
    return found


def regular(paths: list[str]) -> set[str]:
    return {os.path.realpath(p) for p in paths if os.path.isfile(p)}


def main(workdir: str, folder: str, *, resolve_only: bool) -> None:
    with open(os.path.join(folder, "candidates.txt"), encoding="utf-8") as lines:
        candidates = [line.rstrip("\n") for line in lines if line.startswith("/")]
    modules, problems = ({}, []) if resolve_only else closure(workdir)
    static, traced = with_companions(set(modules.values())), with_companions(regular(candidates))
    sizes = {path: os.path.getsize(path) for path in static | traced}
    result = {"python": sys.version.split()[0], "modules": modules, "static": sorted(static),
              "traced": sorted(traced), "sizes": sizes, "problems": problems}
    with open(os.path.join(folder, "closure.json"), "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], resolve_only="--resolve-only" in sys.argv[3:])
