"""Commands the app already runs: a Procfile, render.yaml, its Dockerfile, a compose file, shell entry scripts.

Each becomes a `Command`: which process it is (web, release, a worker), the argv, and the server's flags read
from it. The text is only parsed (shlex), never run.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import yaml

from builder.intake.files import AppFiles, Line
from builder.intake.model import Evidence

SERVERS = ("gunicorn", "uvicorn", "fastapi", "daphne", "hypercorn", "waitress-serve")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
_WRAPPERS = (("poetry", "run"), ("uv", "run"), ("pipenv", "run"), ("pdm", "run"), ("python", "-m"),
             ("python3", "-m"))
# gunicorn and uvicorn options that take a value, so the word after them is not the app's module.
_VALUED = {"-w", "--workers", "-k", "--worker-class", "-b", "--bind", "-t", "--timeout", "--threads", "-c",
           "--config", "--graceful-timeout", "--keep-alive", "--max-requests", "--max-requests-jitter",
           "--log-level", "--access-logfile", "--error-logfile", "-e", "--env", "--chdir", "--pythonpath",
           "--host", "--port", "--worker-connections", "--log-config", "--root-path", "--forwarded-allow-ips",
           "--worker-tmp-dir", "-u", "--user", "-g", "--group", "--app-dir", "--name", "-n"}


@dataclass(frozen=True)
class Command:
    process: str  # web, release, or the worker's name
    text: str  # as the app wrote it
    evidence: Evidence
    argv: tuple[str, ...] = ()  # without env assignments, `exec` and `poetry run`-style wrappers
    env: tuple[str, ...] = ()  # leading NAME=value words
    options: dict[str, str] = field(default_factory=dict)  # long option name -> value
    positional: tuple[str, ...] = ()

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def serves(self) -> bool:
        return self.program in SERVERS

    def module(self) -> str | None:
        """The app's module:callable as the server is told it."""
        if self.program == "fastapi":
            target = next((p for p in self.positional if p.endswith(".py")), "main.py")
            return target.removesuffix(".py").replace("/", ".") + ":app"
        if self.program not in SERVERS:
            return None
        for word in reversed(self.positional):
            if re.fullmatch(r"[A-Za-z_][\w.]*(:[A-Za-z_]\w*(\(\))?)?", word.strip("'\"")):
                word = word.strip("'\"")
                if ":" not in word:
                    word += ":application" if self.program == "gunicorn" else ":app"
                return word + ("()" if "factory" in self.options and not word.endswith(")") else "")
        return None


def commands(app: AppFiles) -> list[Command]:
    """Every command found, strongest source first: what the platform runs beats what a script might."""
    found: list[Command] = app.memo("commands", _all)
    return found


def _all(app: AppFiles) -> list[Command]:
    return [*_procfile(app), *_render_yaml(app), *_dockerfile(app), *_compose(app), *_scripts(app)]


def _procfile(app: AppFiles) -> list[Command]:
    found = []
    for line in app.lines("Procfile"):
        if match := re.match(r"^([\w-]+):\s*(.+)$", line.text):
            found.append(parse(match.group(1), match.group(2), line))
    return found


def _render_yaml(app: AppFiles) -> list[Command]:
    data = _yaml(app, "render.yaml")
    found = []
    for service in data.get("services") or [] if isinstance(data, dict) else []:
        if not isinstance(service, dict):
            continue
        kind = "web" if service.get("type") == "web" else str(service.get("name") or "worker")
        for key, process in (("startCommand", kind), ("dockerCommand", kind), ("preDeployCommand", "release")):
            if isinstance(service.get(key), str):
                found.append(parse(process, service[key], _line_of(app, "render.yaml", key)))
    return found


def _dockerfile(app: AppFiles) -> list[Command]:
    found = []
    for line in dockerfile_instructions(app):
        if match := re.match(r"(?i)^(CMD|ENTRYPOINT)\s+(.+)$", line.text):
            found.append(parse("web", _exec_form(match.group(2)), line))
    return found


def dockerfile_instructions(app: AppFiles, name: str = "Dockerfile") -> list[Line]:
    """Each instruction on one line (continuations joined), at the line it starts on."""
    joined: list[Line] = []
    pending: Line | None = None
    for line in app.lines(name):
        text = line.text.strip()
        if pending is None and (not text or text.startswith("#")):
            continue
        pending = Line(line.file, line.number, text) if pending is None else \
            Line(pending.file, pending.number, pending.text + " " + text)
        if pending.text.endswith("\\"):
            pending = Line(pending.file, pending.number, pending.text[:-1].rstrip())
            continue
        joined.append(pending)
        pending = None
    return joined


def _compose(app: AppFiles) -> list[Command]:
    found = []
    for name in COMPOSE_FILES:
        data = _yaml(app, name)
        services = data.get("services") if isinstance(data, dict) else None
        for service, body in (services or {}).items() if isinstance(services, dict) else []:
            command = body.get("command") if isinstance(body, dict) else None
            if isinstance(command, list):
                command = shlex.join(str(word) for word in command)
            if isinstance(command, str):
                found.append(parse(str(service), command, _line_of(app, name, "command")))
    return found


def _scripts(app: AppFiles) -> list[Command]:
    found = []
    for rel in app.matching(r"([\w.-]+|scripts/[\w.-]+|docker/[\w.-]+|bin/[\w.-]+)\.sh"):
        for line in app.lines(rel):
            text = line.text.strip()
            if text and not text.startswith("#"):
                command = parse("web", text, line)
                if command.serves:
                    found.append(command)
                elif is_migration(command):
                    found.append(parse("release", text, line))
    return found


def parse(process: str, text: str, line: Line) -> Command:
    """A command line split into env assignments, program and arguments; unparseable text keeps no argv."""
    evidence = Evidence(line.file, line.number, line.text.strip()[:200])
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return Command(process, text, evidence)
    env = []
    while words and (words[0] == "exec" or re.fullmatch(r"[A-Za-z_]\w*=.*", words[0])):
        if words[0] != "exec":
            env.append(words[0])
        words = words[1:]
    for wrapper in _WRAPPERS:
        if tuple(words[:2]) == wrapper and len(words) > 2:
            words = words[2:]
    options, positional = _options(words[1:])
    return Command(process, text, evidence, tuple(words), tuple(env), options, tuple(positional))


def is_migration(command: Command) -> bool:
    words = " ".join(command.argv)
    return bool(re.search(r"\b(alembic upgrade|db upgrade|manage\.py migrate|flask db upgrade)\b", words))


def _options(words: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and "=" in word:
            name, _, value = word.partition("=")
            options[_long(name)] = value
        elif word in _VALUED and index + 1 < len(words):
            options[_long(word)] = words[index + 1]
            index += 1
        elif word.startswith("-"):
            options[_long(word)] = ""
        else:
            positional.append(word)
        index += 1
    return options, positional


def _long(flag: str) -> str:
    short = {"-w": "workers", "-k": "worker-class", "-b": "bind", "-t": "timeout", "-c": "config", "-e": "env"}
    return short.get(flag, flag.lstrip("-"))


def _exec_form(text: str) -> str:
    """`["gunicorn", "app:app"]` as a shell line; shell form as it is."""
    if text.lstrip().startswith("["):
        try:
            words = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(words, list):
            return shlex.join(str(w) for w in words)
    return text


def _yaml(app: AppFiles, rel: str) -> Any:
    try:
        return yaml.safe_load(app.text(rel) or "") or {}
    except yaml.YAMLError:
        return {}  # not ours to judge: an unparseable file offers no evidence


def _line_of(app: AppFiles, rel: str, key: str) -> Line:
    for line in app.lines(rel):
        if re.match(rf"\s*-?\s*{re.escape(key)}\s*:", line.text):
            return line
    return Line(rel, 0, "")
