"""The app's dependency input (the file `builder lock` will read) and the packages it names, with their lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from builder.errors import BuilderError
from builder.intake.files import AppFiles
from builder.intake.model import Evidence
from builder.lock.inputs import read_input
from builder.spec import DependenciesSection

# A requirements/ folder: the production file first; it usually includes base.txt with `-r`.
_FOLDER_ORDER = ("production", "prod", "deploy", "release", "base", "common", "main", "requirements")


@dataclass(frozen=True)
class DependencySource:
    source: str  # what dependencies.source names, relative to the app
    tool: str  # pip, pipenv, poetry, uv, pdm, pep621
    evidence: Evidence
    packages: dict[str, Evidence]  # canonical name -> where the app asks for it


def dependency_source(app: AppFiles) -> DependencySource:
    """The app's input, read once per intake."""
    found: DependencySource = app.memo("dependencies", _find)
    return found


def _find(app: AppFiles) -> DependencySource:
    source, tool, why = _choose(app)
    deps = DependenciesSection(source=source)
    lock_input = read_input(app.root / source, app.root, deps)
    packages = {r.name: _where(app, r.name, r.origin, lock_input.files) for r in lock_input.roots}
    return DependencySource(source, tool, Evidence(source, None, why), packages)


def _choose(app: AppFiles) -> tuple[str, str, str]:
    """(source, tool, why); the order is `builder lock`'s: a lock file holds the versions the team tested."""
    pyproject = app.text("pyproject.toml") or ""
    if app.has("uv.lock"):
        return "uv.lock", "uv", "uv.lock: the versions uv resolved"
    if app.has("poetry.lock"):
        return "poetry.lock", "poetry", "poetry.lock: the versions poetry resolved"
    if app.has("Pipfile.lock"):
        return "Pipfile.lock", "pipenv", "Pipfile.lock: the versions pipenv resolved"
    if app.has("requirements.in"):
        return "requirements.in", "pip-tools", "requirements.in: the hand-written input"
    if re.search(r"(?m)^\[project\]", pyproject) and re.search(r"(?m)^dependencies\s*=", pyproject):
        tool = "pdm" if "[tool.pdm" in pyproject else "pep621"
        return "pyproject.toml", tool, "pyproject.toml: [project] dependencies"
    if app.has("requirements.txt"):
        return "requirements.txt", "pip", "requirements.txt"
    if folder := _requirements_folder(app):
        return folder, "pip", f"{folder}: the production file of the requirements/ folder"
    raise _nothing_to_lock(app, pyproject)


def _requirements_folder(app: AppFiles) -> str | None:
    files = app.matching(r"requirements/[\w.-]+\.(txt|in)")
    for stem in _FOLDER_ORDER:
        for suffix in (".in", ".txt"):
            if f"requirements/{stem}{suffix}" in files:
                return f"requirements/{stem}{suffix}"
    return files[0] if len(files) == 1 else None


def _nothing_to_lock(app: AppFiles, pyproject: str) -> BuilderError:
    if app.has("Pipfile"):
        return BuilderError("the app has a Pipfile but no Pipfile.lock, and builder lock reads the lock",
                            file=app.root / "Pipfile", hint="run `pipenv lock` in the app's directory, then init")
    if "[tool.poetry" in pyproject:
        return BuilderError("the app is a poetry project without poetry.lock", file=app.root / "pyproject.toml",
                            hint="run `poetry lock` in the app's directory, then init")
    return BuilderError("no dependency input found (requirements*.txt/.in, a requirements/ folder, pyproject.toml, "
                        "Pipfile.lock, poetry.lock or uv.lock)", file=app.root,
                        hint="list the app's packages in requirements.txt, then run builder init again")


def _where(app: AppFiles, name: str, origin: str, files: tuple[object, ...]) -> Evidence:
    """`requirements.txt:3` as given; for lock files, the line of the hand-written file that names the package."""
    file, _, line = origin.partition(":")
    if line.isdigit():
        return Evidence(file, int(line), _line_text(app, file, int(line)))
    for rel in ("pyproject.toml", "Pipfile", file.split(" ", 1)[0]):
        for candidate in app.lines(rel):
            words = re.split(r"[\s=<>~!\[;\"',]+", candidate.text.strip().lstrip("\"'"))
            if words and canonicalize_name(words[0] or "-") == name:
                return Evidence(rel, candidate.number, candidate.text.strip())
    return Evidence(file.split(" ", 1)[0], None, name)


def _line_text(app: AppFiles, rel: str, number: int) -> str:
    lines = app.lines(rel)
    return lines[number - 1].text.strip() if 0 < number <= len(lines) else ""
