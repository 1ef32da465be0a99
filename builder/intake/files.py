"""The app's files, read once and with limits: text only, bounded in size and count, never executed."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import BuilderError

# Directories that are not the app's own code: environments, caches, tooling and vendored packages.
SKIPPED_DIRS = frozenset({".git", ".hg", ".venv", "venv", "env", ".env", "node_modules", "__pycache__", ".tox",
                          ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "dist", "build",
                          ".idea", ".vscode", "htmlcov", "staticfiles"})
# Code under these is tests and examples: a `Flask(` there is not the app's entry point.
TEST_DIRS = frozenset({"tests", "test", "testing", "examples", "docs"})
MAX_FILE_BYTES = 512 * 1024
MAX_FILES = 5000
_TEXT_SUFFIXES = (".py", ".txt", ".toml", ".yaml", ".yml", ".lock", ".in", ".cfg", ".ini", "Procfile", "Dockerfile")


@dataclass(frozen=True)
class Line:
    file: str
    number: int
    text: str


@dataclass
class AppFiles:
    """One app directory: which files it has, and their text on demand (cached)."""

    root: Path
    paths: tuple[str, ...]  # relative, POSIX, sorted
    _text: dict[str, str | None] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def scan(cls, root: Path) -> AppFiles:
        if not root.is_dir():
            raise BuilderError(f"{root} is not a directory", hint="pass the app's directory: builder init DIR")
        return cls(root, tuple(sorted(_walk(root))))

    def memo(self, key: str, work: Callable[[AppFiles], Any]) -> Any:
        """What `work` reads from the app, worked out once however many detectors ask."""
        if key not in self._memo:
            self._memo[key] = work(self)
        return self._memo[key]

    def has(self, rel: str) -> bool:
        return rel in self.paths

    def text(self, rel: str) -> str | None:
        """The file's text; None when it is absent or too large to be a source file."""
        if rel not in self._text:
            self._text[rel] = _read(self.root, rel) if rel in self.paths else None
        return self._text[rel]

    def lines(self, rel: str) -> list[Line]:
        text = self.text(rel) or ""
        return [Line(rel, number, line) for number, line in enumerate(text.splitlines(), start=1)]

    def code_lines(self, rel: str) -> list[Line]:
        """The lines with Python comments cut off: commented-out code is never evidence of what the app does."""
        if not rel.endswith(".py"):
            return self.lines(rel)
        return [Line(line.file, line.number, without_comment(line.text)) for line in self.lines(rel)]

    def python(self, *, tests: bool = False) -> list[str]:
        """The app's Python files, shallowest first; test and example code left out unless asked for."""
        found = [p for p in self.paths if p.endswith(".py") and (tests or not _in_tests(p))]
        return sorted(found, key=lambda p: (p.count("/"), p))

    def matching(self, pattern: str) -> list[str]:
        """Files whose path matches a regular expression (fullmatch), in order."""
        compiled = re.compile(pattern)
        return [p for p in self.paths if compiled.fullmatch(p)]

    def grep(self, pattern: re.Pattern[str], files: list[str]) -> Iterator[tuple[Line, re.Match[str]]]:
        """Every match of `pattern` in the given files, line by line."""
        for rel in files:
            for line in self.code_lines(rel):
                if match := pattern.search(line.text):
                    yield line, match


def without_comment(text: str) -> str:
    """A Python line up to its `#` comment, if any: a `#` inside a string literal starts none."""
    quote = ""
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif quote and char == "\\":
            escaped = True
        elif char in "\"'" and (not quote or char == quote):
            quote = "" if quote else char
        elif char == "#" and not quote:
            return text[:index].rstrip()
    return text


def _walk(root: Path) -> Iterator[str]:
    count = 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                continue  # a link may point outside the app; what it points at is not the app's to offer
            count += 1
            if count > MAX_FILES:
                raise BuilderError(f"{root} holds more than {MAX_FILES} files outside virtualenvs and caches",
                                   hint="run builder init in the app's own directory, not a parent of many")
            yield path.relative_to(root).as_posix()


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        # A binary asset is no concern of intake's; a source or config file it cannot read is.
        return _unreadable(path, rel, "it is not UTF-8 text") if rel.endswith(_TEXT_SUFFIXES) else None
    except OSError as exc:
        return _unreadable(path, rel, exc.strerror or str(exc))


def _unreadable(path: Path, rel: str, why: str) -> str:
    raise BuilderError(f"cannot read {rel}: {why}", file=path,
                       hint="builder init reads the app's source and config files: make it readable (chmod a+r) "
                            "and UTF-8, or move it out of the app's directory")


def _in_tests(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return bool(set(parts[:-1]) & TEST_DIRS) or name.startswith("test_") or name in ("conftest.py", "setup.py")
