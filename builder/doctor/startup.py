"""How the container starts: the Dockerfile's CMD and ENTRYPOINT, Render's dockerCommand, gunicorn's settings."""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from builder.dockerfile import Instruction, arg_pair, read_instructions
from builder.doctor.base import Where

SHELLS = ("sh", "bash", "dash")
SERVERS = ("gunicorn", "uvicorn")
# gunicorn's own defaults, for settings neither the command nor the config file gives.
GUNICORN_DEFAULTS = {"worker_class": "sync", "graceful_timeout": 30}
_GUNICORN_FLAGS = {
    "-b": "bind", "--bind": "bind", "-k": "worker_class", "--worker-class": "worker_class",
    "-w": "workers", "--workers": "workers", "--threads": "threads",
    "--graceful-timeout": "graceful_timeout", "-c": "config", "--config": "config",
}


@dataclass(frozen=True)
class DockerfileFacts:
    file: str
    bases: tuple[tuple[str, Where], ...]  # every FROM image, ARG defaults filled in, at the line that names it
    cmd: Instruction | None  # the final stage's
    entrypoint: Instruction | None


def parse_dockerfile(text: str, file: str) -> DockerfileFacts:
    """The base images, and the final stage's CMD and ENTRYPOINT, with their lines."""
    args: dict[str, tuple[str, int]] = {}
    bases: list[tuple[str, Where]] = []
    last: dict[str, Instruction] = {}
    for instruction in read_instructions(text):
        if instruction.keyword == "ARG" and not bases:
            name, default = arg_pair(instruction.args)
            args[name] = (default, instruction.line)
        elif instruction.keyword == "FROM":
            image = instruction.args.split()[0] if instruction.args.split() else ""
            bases.append(_base(image, args, Where(file, instruction.line)))
            last = {}
        elif instruction.keyword in ("CMD", "ENTRYPOINT"):
            last[instruction.keyword] = instruction
    return DockerfileFacts(file, tuple(bases), last.get("CMD"), last.get("ENTRYPOINT"))


def _base(image: str, args: dict[str, tuple[str, int]], where: Where) -> tuple[str, Where]:
    """The image a FROM names, `${ARG}` filled in from a global ARG's default, which is then where it is named."""
    match = re.fullmatch(r"\$\{?(\w+)\}?", image)
    if match and args.get(match.group(1), ("", 0))[0]:
        value, line = args[match.group(1)]
        return value, Where(where.file, line)
    return image, where


def split_command(text: str) -> list[str]:
    """Words as a shell splits them; plain whitespace when the quoting is broken."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


@dataclass(frozen=True)
class StartCommand:
    """The process the platform starts: argv as the container receives it."""

    argv: tuple[str, ...]
    shell: bool | None  # whether a shell reads it first (so $PORT expands); None: the platform decides
    where: Where
    origin: str  # "CMD in Dockerfile.render", "dockerCommand in render.yaml"


def command_from_dockerfile(facts: DockerfileFacts) -> StartCommand | None:
    """ENTRYPOINT then CMD as the container runs them; shell forms wrapped in /bin/sh -c."""
    parts = [i for i in (facts.entrypoint, facts.cmd) if i is not None]
    if not parts:
        return None
    forms = [part.exec_form() for part in parts]
    argv = tuple(arg for part, form in zip(parts, forms, strict=True)
                 for arg in (form if form is not None else ("/bin/sh", "-c", part.args)))
    last = parts[-1]
    return StartCommand(argv, any(form is None for form in forms), Where(facts.file, last.line),
                        f"{last.keyword} in {facts.file}")


def server_argv(command: StartCommand) -> tuple[str, tuple[str, ...], bool | None]:
    """("gunicorn" or "uvicorn" or "", its arguments, whether a shell expands them), looking inside `sh -c`."""
    argv, shell = command.argv, command.shell
    for index, arg in enumerate(argv[:-1]):
        if PurePosixPath(arg).name in SHELLS and argv[index + 1] == "-c" and index + 2 < len(argv):
            argv, shell = tuple(split_command(argv[index + 2])), True
            break
    for index, arg in enumerate(argv):
        if PurePosixPath(arg).name in SERVERS:
            return PurePosixPath(arg).name, argv[index + 1:], shell
        if arg == "-m" and index + 1 < len(argv) and argv[index + 1] in SERVERS:
            return argv[index + 1], argv[index + 2:], shell
    return "", argv, shell


def flags(args: tuple[str, ...], names: dict[str, str]) -> dict[str, str]:
    """Options given as `--flag value`, `--flag=value` or `-f value`, by setting name."""
    found: dict[str, str] = {}
    for index, arg in enumerate(args):
        flag, eq, inline = arg.partition("=")
        if flag in names and eq:
            found[names[flag]] = inline
        elif arg in names and index + 1 < len(args):
            found[names[arg]] = args[index + 1]
    return found


def gunicorn_flags(args: tuple[str, ...]) -> dict[str, str]:
    """The gunicorn settings given on the command line, by setting name."""
    return flags(args, _GUNICORN_FLAGS)


@dataclass(frozen=True)
class Setting:
    """A gunicorn setting: its literal value where one is known, the text as written, and where."""

    value: object
    source: str
    where: Where
    from_command: bool = False  # given as a flag on the start command, not in the config file


def read_gunicorn_config(text: str, file: str) -> dict[str, Setting]:
    """Top-level assignments of a gunicorn config file; empty when it is not valid Python."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # not Python, a NUL, or nested past the parser
        return {}
    settings = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            source = ast.get_source_segment(text, node.value) or ""
            settings[node.targets[0].id] = Setting(_literal(node.value), source, Where(file, node.lineno))
    return settings


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
        return None
