"""requirements.in / requirements.txt, with their -r includes and -c constraints, as roots."""

from __future__ import annotations

import shlex
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.lock.errors import LockInputError
from builder.lock.model import LockInput, Root

# Options a requirements file may carry that change where packages come from; passed on to uv as written.
_PASSED_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--pre", "--only-binary",
                   "--no-binary", "--prefer-binary", "--no-index")


def read_requirements(path: Path, root: Path) -> LockInput:
    """Every requirement line of `path` and the files it includes, in order."""
    collected = _Collected()
    _read(path, root, collected, constraint=False)
    return LockInput(kind="requirements", source=_rel(path, root), files=tuple(collected.files),
                     roots=tuple(collected.roots), constraints=tuple(collected.constraints),
                     options=tuple(collected.options))


class _Collected:
    def __init__(self) -> None:
        self.files: list[Path] = []
        self.roots: list[Root] = []
        self.constraints: list[str] = []
        self.options: list[str] = []


def _read(path: Path, root: Path, into: _Collected, *, constraint: bool) -> None:
    if path in into.files:
        return  # included twice (or in a cycle): once is enough
    into.files.append(path)
    for number, line in _logical_lines(path):
        _take(line, path, number, root, into, constraint=constraint)


def _take(line: str, path: Path, number: int, root: Path, into: _Collected, *, constraint: bool) -> None:
    origin = f"{_rel(path, root)}:{number}"
    words = shlex.split(line, posix=True)
    first = words[0]
    if include := _include(words):
        target, is_constraint = include
        included = (path.parent / target).resolve()
        if not included.is_file():
            raise LockInputError(f"{origin} includes {target}, which does not exist", file=path, line=number,
                                 hint="fix the path; it is relative to the file that includes it")
        _read(included, root, into, constraint=constraint or is_constraint)
    elif first in ("-e", "--editable") or first.startswith((".", "/", "file:")):
        raise LockInputError(f"{origin}: a local or editable requirement ({line}) cannot go into a hashed lock",
                             file=path, line=number,
                             hint="install the app's own code with `COPY`, or publish the package and pin it")
    elif first.split("=", 1)[0] in _PASSED_OPTIONS:
        into.options.append(line)
    elif first.startswith("-"):
        raise LockInputError(f"{origin}: unsupported option {first}", file=path, line=number,
                             hint=f"builder lock passes on {', '.join(_PASSED_OPTIONS)}; remove the others")
    else:
        requirement = _parse(line, origin, path, number)
        if constraint:
            into.constraints.append(requirement)
        else:
            into.roots.append(root_from(requirement, origin))


def _include(words: list[str]) -> tuple[str, bool] | None:
    """(file, is a constraint file) for `-r file`, `--requirement=file`, `-c file` and the like."""
    flag, _, attached = words[0].partition("=")
    long = {"--requirement": False, "--constraint": True}
    if flag in long:
        return (attached or (words[1] if len(words) > 1 else "")), long[flag]
    if flag[:2] in ("-r", "-c"):
        return (flag[2:] or (words[1] if len(words) > 1 else "")), flag[:2] == "-c"
    return None


def _parse(line: str, origin: str, path: Path, number: int) -> str:
    text = line.split(" --hash", 1)[0].strip()  # an old lock's hashes: uv computes fresh ones
    try:
        Requirement(text)
    except InvalidRequirement as exc:
        raise LockInputError(f"{origin}: not a requirement: {text!r} ({exc})", file=path, line=number,
                             hint="write it as name, name==1.2.3 or name[extra]>=1.2; see PEP 508") from None
    return text


def root_from(text: str, origin: str) -> Root:
    """A Root from a valid PEP 508 requirement."""
    parsed = Requirement(text)
    pinned = len(parsed.specifier) == 1 and next(iter(parsed.specifier)).operator in ("==", "===")
    return Root(text=text, name=canonicalize_name(parsed.name), origin=origin, pinned=pinned)


def _logical_lines(path: Path) -> list[tuple[int, str]]:
    """(first line number, text) with comments dropped and `\\` continuations joined."""
    try:
        raw = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LockInputError(f"cannot read {path.name}: {exc}", file=path,
                             hint="check the file exists and is UTF-8") from None
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, text in enumerate(raw, 1):
        text = text.split(" #", 1)[0] if not text.lstrip().startswith("#") else ""
        if not pending:
            start = number
        if text.rstrip().endswith("\\"):
            pending += text.rstrip()[:-1] + " "
            continue
        joined = (pending + text).strip()
        pending = ""
        if joined:
            lines.append((start, joined))
    return lines


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
