"""The Python version: an exact one the app pins (.python-version, runtime.txt, Pipfile, its Dockerfile's FROM),
else of the versions its range (requires-python, poetry's python) allows, builder's default or the lowest."""

from __future__ import annotations

import re
from typing import get_args

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from builder.bases import python_base
from builder.intake.commands import dockerfile_instructions
from builder.intake.files import AppFiles, Line
from builder.intake.model import Detection, Evidence, Found, Intake, Unexpressed
from builder.spec import AppSpec, PythonVersion

SUPPORTED = get_args(PythonVersion)
_EXACT = (
    (".python-version", re.compile(r"^\s*(?:python-|cpython-)?(3\.\d+)")),
    ("runtime.txt", re.compile(r"^\s*python-(3\.\d+)")),
    ("Pipfile", re.compile(r"^\s*python_(?:full_)?version\s*=\s*[\"'](3\.\d+)")),
)
_RANGES = (
    ("pyproject.toml", re.compile(r"^\s*requires-python\s*=\s*[\"']([^\"']+)")),
    ("pyproject.toml", re.compile(r"^\s*python\s*=\s*[\"']([^\"']+)")),  # [tool.poetry.dependencies]
)


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    for rel, pattern in _EXACT:
        for line in app.lines(rel):
            if match := pattern.match(line.text):
                return _exact(match.group(1), line)
    for line in dockerfile_instructions(app):
        if match := re.match(r"(?i)^FROM\s+(?:--platform=\S+\s+)?(?:[\w./-]+/)?python:(3\.\d+)", line.text):
            return _exact(match.group(1), line)
    for rel, pattern in _RANGES:
        for line in app.lines(rel):
            if match := pattern.match(line.text):
                return _ranged(match.group(1), line)
    default = str(AppSpec.model_fields["python"].default)
    return [Found("python", default, (), guess=True, note="nothing in the app names a Python version")]


def _exact(version: str, line: Line) -> list[Detection]:
    evidence = Evidence(line.file, line.number, line.text.strip())
    if version in SUPPORTED:
        return [Found("python", version, (evidence,))]
    # Among the versions with a local stand-in, so the guess builds even where no registry answers.
    buildable = [v for v in SUPPORTED if python_base(v).stand_in] or list(SUPPORTED)
    nearest = min(buildable, key=lambda v: abs(int(v.split(".")[1]) - int(version.split(".")[1])))
    return [Found("python", nearest, (evidence,), guess=True, note=f"the app asks for {version}; builder takes "
                  f"{', '.join(SUPPORTED)}, and {nearest} is the nearest with a local base image"),
            Unexpressed(f"Python {version}: builder.yaml accepts {', '.join(SUPPORTED)} only", (evidence,))]


def _ranged(text: str, line: Line) -> list[Detection]:
    evidence = Evidence(line.file, line.number, line.text.strip())
    allowed = [v for v in SUPPORTED if v + ".0" in _specifier(text) or v + ".99" in _specifier(text)]
    if not allowed:
        return [Found("python", SUPPORTED[-1], (evidence,), guess=True, note=f"no version builder supports "
                      f"satisfies {text}"), Unexpressed(f"Python {text}: builder.yaml accepts "
                                                          f"{', '.join(SUPPORTED)} only", (evidence,))]
    if len(allowed) == 1:
        return [Found("python", allowed[0], (evidence,))]
    default = str(AppSpec.model_fields["python"].default)
    chosen, why = (default, "builder's default") if default in allowed else (allowed[0], "the lowest")
    return [Found("python", chosen, (evidence,), guess=True,
                  note=f"{why}; {text} allows {', '.join(allowed)}")]


def _specifier(text: str) -> SpecifierSet:
    """PEP 440, or poetry's caret and tilde forms."""
    text = text.strip()
    if match := re.fullmatch(r"\^\s*(\d+)\.(\d+)(?:\.\d+)?", text):
        return SpecifierSet(f">={match.group(1)}.{match.group(2)},<{int(match.group(1)) + 1}")
    if match := re.fullmatch(r"~\s*(\d+)\.(\d+)(?:\.\d+)?", text):
        return SpecifierSet(f">={match.group(1)}.{match.group(2)},<{match.group(1)}.{int(match.group(2)) + 1}")
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return SpecifierSet()
