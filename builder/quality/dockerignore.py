""".dockerignore: which file applies to a Dockerfile, and whether it keeps given paths out of the build context.

Follows BuildKit: `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`; patterns
are Go filepath.Match globs plus `**`, `!` re-includes, and the last matching line decides.
"""

from __future__ import annotations

import re
from pathlib import Path

# What must never reach the engine: local secrets, the repository's history, a local virtualenv.
MUST_EXCLUDE = (".env", ".git", ".venv")


def ignore_file_for(dockerfile: Path) -> Path | None:
    """The ignore file BuildKit reads when the Dockerfile's directory is the context, if there is one."""
    for candidate in (dockerfile.with_name(f"{dockerfile.name}.dockerignore"), dockerfile.with_name(".dockerignore")):
        if candidate.is_file():
            return candidate
    return None


def not_excluded(ignore_text: str, paths: tuple[str, ...] = MUST_EXCLUDE) -> list[str]:
    """The paths that the ignore file lets into the build context."""
    rules = [_rule(line) for line in ignore_text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [path for path in paths if not _excluded(path, rules)]


def _rule(line: str) -> tuple[bool, re.Pattern[str]]:
    pattern = line.strip()
    negated = pattern.startswith("!")
    pattern = pattern.lstrip("!").strip().strip("/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return negated, re.compile(_glob_to_regex(pattern))


def _glob_to_regex(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i)) > i:
            out.append(pattern[i : end + 1])  # a character class, `^` negating, as in Go
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # A pattern that names a directory excludes everything under it.
    return "".join(out) + "(?:/.*)?$"


def _excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    excluded = False
    for negated, regex in rules:
        if regex.match(path):
            excluded = not negated
    return excluded
