"""Reading what doctor looks at: YAML with line numbers, .env files, requirements. Parsing only, no judgement."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from builder.doctor.base import Where
from builder.load import FieldPath, compose_with_lines, line_for, yaml_problem
from builder.safe_files import read_regular

EnvOrigin = Literal["spec", "blueprint", "dotenv", "environment"]


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file and the line of every key, or the reason it does not parse."""

    file: str
    data: Any = None
    lines: dict[FieldPath, int] = field(default_factory=dict)
    problem: str | None = None
    problem_line: int | None = None

    def at(self, *path: str | int) -> Where:
        """The line of the field at `path`, or of its nearest ancestor in the file (not the top: that says nothing)."""
        return Where(self.file, line_for(self.lines, tuple(str(part) for part in path), shallowest=1))


def parse_yaml(text: str, file: str) -> YamlDoc:
    """`text` parsed, with the line of every key; a document that does not parse says why and where."""
    try:
        data, _, lines = compose_with_lines(text)
    except yaml.YAMLError as exc:  # safe_yaml's refusals (bombs, recursion, depth, huge numbers) included
        problem, line, _ = yaml_problem(exc)
        return YamlDoc(file, problem=problem, problem_line=line)
    return YamlDoc(file, data=data, lines=lines)


@dataclass(frozen=True)
class EnvValue:
    """An environment variable's literal value and where it was written."""

    name: str
    value: str
    where: Where
    origin: EnvOrigin

    @property
    def label(self) -> str:
        """How a message names the variable: the process environment has no file to point at."""
        return f"{self.name} (process environment)" if self.origin == "environment" else self.name

    @property
    def committed(self) -> bool:
        """Whether the value lives in a file meant for version control (builder.yaml, render.yaml)."""
        return self.origin in ("spec", "blueprint")


_DOTENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def read_dotenv(text: str, file: str) -> list[EnvValue]:
    """KEY=value lines, as python-dotenv and Docker read them: `export`, quotes and trailing comments allowed."""
    values = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if sep and _DOTENV_KEY.match(key):
            values.append(EnvValue(key, _dotenv_value(value.strip()), Where(file, number), "dotenv"))
    return values


def _dotenv_value(value: str) -> str:
    if len(value) >= 2 and value[0] in "\"'" and value.endswith(value[0]):
        return value[1:-1]
    return value.split(" #", 1)[0].rstrip()


@dataclass(frozen=True)
class Requirements:
    """Distribution names (normalised) and their pinned versions, from the requirements file and its includes."""

    file: str
    found: bool
    pins: dict[str, str | None]

    def has(self, *names: str) -> bool:
        return any(canonical(name) in self.pins for name in names)

    def version(self, name: str) -> str | None:
        return self.pins.get(canonical(name))


_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?:===?\s*([\w.!+*-]+))?")


def canonical(name: str) -> str:
    """PEP 503 normalised name: psycopg_Binary -> psycopg-binary."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(root: Path, relative: str) -> Requirements:
    """The requirements file and the files it includes with -r; `found` False when it is missing."""
    pins: dict[str, str | None] = {}
    found = _read_requirements_file(root / relative, pins, seen=set())
    return Requirements(relative, found, pins)


def _read_requirements_file(path: Path, pins: dict[str, str | None], *, seen: set[Path]) -> bool:
    if path in seen or not path.is_file():
        return False
    seen.add(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        include = re.match(r"^(?:-r|--requirement)[\s=]+(\S+)", line)
        if include:
            _read_requirements_file(path.parent / include.group(1), pins, seen=seen)
        elif (match := _REQUIREMENT.match(line)) and not line.startswith("-"):
            pins[canonical(match.group(1))] = match.group(3)
    return True


def read_text(path: Path) -> str | None:
    """A file's text, or None when it is missing, unreadable or not a regular file (a FIFO would block forever)."""
    return read_regular(path)


def small_int(text: str) -> int | None:
    """`4` as 4; None for `²`, `٣`, `-1` or a 5000-digit string, which isdigit() alone lets through to int()."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
