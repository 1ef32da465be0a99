"""Environment variables the app reads: os.environ/os.getenv, environs, django-environ, python-decouple,
pydantic-settings classes, and the keys of an example .env file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.intake.files import AppFiles, Line
from builder.intake.model import Evidence

_NAME = r"[\"']([A-Z][A-Z0-9_]*)[\"']"
# (pattern, whether a missing variable raises): group 2 matches when a default follows the name.
_CALLS = (
    (re.compile(rf"\b(?:os\.)?(?:environ\.get|getenv)\(\s*{_NAME}\s*(,)?"), False),
    (re.compile(rf"\b(?:os\.)?environ\[\s*{_NAME}\s*\]()"), True),
    (re.compile(rf"\benv(?:\.\w+)?\(\s*{_NAME}\s*(,)?"), True),  # environs, django-environ
    (re.compile(rf"\bconfig\(\s*{_NAME}\s*(,)?"), True),  # python-decouple
)
# Calls that read DATABASE_URL without naming it: dj-database-url and django-environ's env.db().
_IMPLIED_URL = re.compile(r"\b(?:dj_database_url\.(?:config|parse)|env\.db(?:_url)?)\((.*)")
_SETTINGS_CLASS = re.compile(r"^class \w+\((?:[\w.]+\.)?BaseSettings\)")
_FIELD = re.compile(r"^\s{4}([a-z_][a-z0-9_]*)\s*:\s*[^=]+?(=.*)?$", re.IGNORECASE)
_PREFIX = re.compile(r"env_prefix\s*=\s*[\"'](\w*)[\"']")
EXAMPLE_FILES = (".env.example", ".env.sample", ".env.template", "example.env", ".env.dist", "env.example")


@dataclass(frozen=True)
class EnvRead:
    name: str
    has_default: bool
    evidence: Evidence
    raises: bool = False  # unset, the read fails (environ[...], env() with no default), not returns None


def env_reads(app: AppFiles) -> list[EnvRead]:
    """Each variable once, at its first read; a default anywhere counts (the code copes without it)."""
    reads = [*_calls(app), *_implied(app), *_settings_classes(app), *_examples(app)]
    first: dict[str, EnvRead] = {}
    for read in reads:
        seen = first.get(read.name)
        if seen is None:
            first[read.name] = read
        elif read.has_default and not seen.has_default and read.evidence.file.endswith(".py"):
            first[read.name] = EnvRead(read.name, True, seen.evidence)
    return list(first.values())


def _calls(app: AppFiles) -> list[EnvRead]:
    found = []
    for pattern, raises in _CALLS:
        for line, match in app.grep(pattern, app.python()):
            default = bool(match.group(2))
            found.append(EnvRead(match.group(1), default, _evidence(line), raises and not default))
    return sorted(found, key=lambda r: (r.evidence.file.count("/"), r.evidence.file, r.evidence.line or 0))


def _implied(app: AppFiles) -> list[EnvRead]:
    return [EnvRead("DATABASE_URL", "default" in match.group(1), _evidence(line))
            for line, match in app.grep(_IMPLIED_URL, app.python())]


def _settings_classes(app: AppFiles) -> list[EnvRead]:
    found = []
    for rel in app.python():
        lines = app.code_lines(rel)
        for index, line in enumerate(lines):
            if _SETTINGS_CLASS.match(line.text):
                found += _class_fields(lines[index + 1:])
    return found


def _class_fields(body: list[Line]) -> list[EnvRead]:
    block = []
    for line in body:
        if line.text.strip() and not line.text.startswith((" ", "\t")):
            break
        block.append(line)
    prefix = next((m.group(1) for ln in block if (m := _PREFIX.search(ln.text))), "")
    found = []
    for line in block:
        match = _FIELD.match(line.text)
        if match and match.group(1) != "model_config":
            default = match.group(2) or ""
            has_default = bool(default) and "(..." not in default
            # A field with no default fails the settings class's construction when its variable is unset.
            found.append(EnvRead((prefix + match.group(1)).upper(), has_default, _evidence(line), not has_default))
    return found


def _examples(app: AppFiles) -> list[EnvRead]:
    found = []
    for rel in EXAMPLE_FILES:
        for line in app.lines(rel):
            if match := re.match(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=", line.text):
                found.append(EnvRead(match.group(1), False, Evidence(rel, line.number, match.group(1))))
    return found


def _evidence(line: Line) -> Evidence:
    return Evidence(line.file, line.number, line.text.strip()[:200])
