"""Dockerfile -> instructions and stages, with line numbers: just enough of BuildKit's syntax for lint's policy
checks and for doctor's reading of how the container starts.

Handles parser directives (escape), line continuations, comments inside continuations, `--flag` options and heredocs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from builder.errors import BuilderError

_DIRECTIVE = re.compile(r"#\s*(\w+)\s*=\s*(\S+)\s*$")
_FLAG = re.compile(r"--[A-Za-z][\w-]*(?:=(?:\"[^\"]*\"|\S+))?")
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([A-Za-z_]\w*)\1")
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?:(:?[-+])([^}]*))?\}|(\w+))")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    args: str  # after the keyword and its --flags; continuation lines joined, heredoc bodies appended
    line: int  # where the keyword stands (1-based), as hadolint and trivy count
    flags: tuple[str, ...] = ()  # --mount=..., --from=..., as written

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction (`CMD ["a", "b"]`), else None."""
        if not self.args.lstrip().startswith("["):
            return None
        try:
            value = json.loads(self.args)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


@dataclass(frozen=True)
class Stage:
    base: str  # the FROM image as written, e.g. ${PYTHON_BASE} or python:3.11-slim
    alias: str | None
    line: int
    instructions: tuple[Instruction, ...]


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    global_args: dict[str, str]  # ARGs declared before the first FROM, with their defaults ("" when none)
    stages: tuple[Stage, ...]

    def parent(self, stage: Stage) -> Stage | None:
        """The earlier stage this one is built FROM, if its base names one."""
        earlier = self.stages[: self.stages.index(stage)]
        return next((s for s in reversed(earlier) if s.alias and s.alias.lower() == stage.base.lower()), None)

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage, then the stages it inherits from, nearest first (USER, HEALTHCHECK, SHELL are inherited)."""
        chain = [stage]
        while (parent := self.parent(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        return chain


def read_dockerfile(path: Path) -> Dockerfile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuilderError(f"cannot read {path}: {exc}", hint="check the path and that it is a UTF-8 text file",
                           file=path) from exc
    return parse_dockerfile(text, path=path)


def parse_dockerfile(text: str, *, path: Path) -> Dockerfile:
    """The Dockerfile's global ARGs and stages; BuilderError when it has no FROM."""
    instructions = read_instructions(text)
    first_from = next((i for i, ins in enumerate(instructions) if ins.keyword == "FROM"), None)
    if first_from is None:
        raise BuilderError(f"{path} has no FROM instruction", hint="is this a Dockerfile?", file=path)
    global_args = dict(arg_pair(ins.args) for ins in instructions[:first_from] if ins.keyword == "ARG")
    return Dockerfile(path=path, global_args=global_args, stages=tuple(_stages(instructions[first_from:])))


def expand(text: str, values: dict[str, str]) -> str | None:
    """`${VAR}`, `$VAR` and `${VAR:-default}` filled in from values; None when a variable stays unknown."""
    unknown = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1) or match.group(4)
        value, operator, word = values.get(name), match.group(2), match.group(3) or ""
        if operator and operator.endswith("-") and not value:
            return word
        if operator and operator.endswith("+"):
            return word if value else ""
        if value is None:
            unknown = True
            return ""
        return value

    result = _VARIABLE.sub(fill, text)
    return None if unknown else result


def read_instructions(text: str) -> list[Instruction]:
    """Every instruction in order, stages not told apart; never fails, whatever the text."""
    return list(_instructions(text))


def arg_pair(args: str) -> tuple[str, str]:
    """`NAME=default` of an ARG as (name, default), quotes off; the default is "" when there is none."""
    name, _, default = args.strip().partition("=")
    return name.strip(), default.strip().strip("\"'")


def _stages(instructions: list[Instruction]) -> Iterator[Stage]:
    starts = [i for i, ins in enumerate(instructions) if ins.keyword == "FROM"] + [len(instructions)]
    for start, end in itertools.pairwise(starts):
        words = instructions[start].args.split()
        alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
        yield Stage(base=words[0] if words else "", alias=alias, line=instructions[start].line,
                    instructions=tuple(instructions[start + 1 : end]))


def _instructions(text: str) -> Iterator[Instruction]:
    lines = iter(enumerate(text.splitlines(), start=1))
    escape = _escape_character(text)
    for start, logical in _logical_lines(lines, escape):
        keyword, _, rest = logical.strip().partition(" ")
        flags, args = _split_flags(rest.strip())
        # As BuildKit: a heredoc only in shell form; in an exec-form array `<<EOF` is a plain argument.
        shell_form = Instruction(keyword, args, start).exec_form() is None
        if keyword.upper() in ("RUN", "COPY", "ADD") and shell_form and (heredoc := _HEREDOC.search(args)):
            args += "\n" + "\n".join(_heredoc_body(lines, heredoc.group(2)))
        yield Instruction(keyword=keyword.upper(), args=args, line=start, flags=flags)


def _escape_character(text: str) -> str:
    """The `# escape=` parser directive, which must stand before any other line; else a backslash."""
    for line in text.splitlines():
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        if match.group(1).lower() == "escape":
            return match.group(2)
    return "\\"


def _logical_lines(lines: Iterator[tuple[int, str]], escape: str) -> Iterator[tuple[int, str]]:
    """One instruction per item with its first line; comments and blank lines inside a continuation are dropped."""
    parts: list[str] = []
    start = 0
    for number, raw in lines:
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not parts:
            start = number
        if raw.rstrip().endswith(escape):
            parts.append(raw.rstrip()[: -len(escape)])
            continue
        yield start, "".join([*parts, raw])
        parts = []
    if parts:
        yield start, "".join(parts)


def _split_flags(rest: str) -> tuple[tuple[str, ...], str]:
    flags: list[str] = []
    while match := _FLAG.match(rest):
        flags.append(match.group(0))
        rest = rest[match.end() :].lstrip()
    return tuple(flags), rest


def _heredoc_body(lines: Iterator[tuple[int, str]], terminator: str) -> Iterator[str]:
    for _, raw in lines:
        if raw.strip() == terminator:
            return
        yield raw
