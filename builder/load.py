"""Load builder.yaml into an AppSpec; every mistake becomes a SpecError with file, line, field and hint."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from builder.errors import SpecError
from builder.safe_yaml import MAX_CHARACTERS, UnsafeYaml, clip, load_yaml
from builder.spec import SPEC_FILENAME, AppSpec, cross_checks

FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class LoadedSpec:
    spec: AppSpec
    path: Path

    @property
    def root(self) -> Path:
        return self.path.parent


@dataclass
class SpecInvalid(SpecError):
    """Several problems in one spec, each a SpecError; reported together so one run shows them all."""

    problems: tuple[SpecError, ...] = ()


def find_spec(start: Path) -> Path:
    """builder.yaml itself, or the one inside a directory."""
    try:
        path = start / SPEC_FILENAME if start.is_dir() else start
        found = path.is_file()
    except OSError as exc:  # a name too long for the file system, a loop of symlinks
        raise SpecError(f"cannot look for {SPEC_FILENAME} at {clip(str(start))}: {exc.strerror}",
                        hint="pass --spec with the path of the app's directory") from None
    if not found:
        raise SpecError(f"no {SPEC_FILENAME} found at {clip(str(path))}", hint="run builder in the app's directory, "
                        "or pass --spec PATH; `builder schema` shows every field", file=path)
    return path


def load_spec(start: Path) -> LoadedSpec:
    """Read, parse and validate a spec, and check the files it names exist."""
    path = find_spec(start)
    text = _read(path)
    data, lines = _parse(text, path)
    try:
        spec = AppSpec.model_validate(data)
    except ValidationError as exc:
        errors = _without_echoes(exc.errors())
        raise _invalid(path, [_from_pydantic(err, path, lines) for err in errors]) from None
    problems = [
        SpecError(message, hint=hint, file=path, line=line_for(lines, field), field=".".join(field))
        for field, message, hint in cross_checks(spec) + _file_checks(spec, path.parent)
    ]
    if problems:
        raise _invalid(path, problems)
    return LoadedSpec(spec=spec, path=path)


def _invalid(path: Path, problems: list[SpecError]) -> SpecError:
    if len(problems) == 1:
        return problems[0]
    return SpecInvalid(f"{len(problems)} problems in {path.name}", file=path, problems=tuple(problems))


def _read(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as handle:
            # One character past the limit is enough for safe_yaml to refuse it; a huge file is never read whole.
            return handle.read(MAX_CHARACTERS + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path.name}: {exc}", hint="check the file's permissions and encoding (UTF-8)",
                        file=path) from None


def compose_with_lines(text: str) -> tuple[Any, yaml.Node | None, dict[FieldPath, int]]:
    """The parsed document, its node tree, and the line of every key by field path. Raises yaml.YAMLError.

    Parsed by safe_yaml, so an alias bomb, recursion, deep nesting or an absurd number is refused before any walk.
    """
    data, node = load_yaml(text)
    lines: dict[FieldPath, int] = {}
    if node is not None:
        index_lines(node, (), lines)
    return data, node, lines


def yaml_problem(exc: yaml.YAMLError) -> tuple[str, int | None, str]:
    """(what is wrong, the line, what to do) of a YAML error, never quoting more than a little of the input."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        words = " ".join(part for part in (exc.context, exc.problem) if part)
        hint = exc.hint if isinstance(exc, UnsafeYaml) else "check indentation and quoting near that line"
        return clip(words, 200), mark.line + 1 if mark else None, hint
    return clip(str(exc), 200), None, "check the file is UTF-8 text in YAML"


def _parse(text: str, path: Path) -> tuple[Any, dict[FieldPath, int]]:
    try:
        data, node, lines = compose_with_lines(text)
    except yaml.YAMLError as exc:
        problem, line, hint = yaml_problem(exc)
        raise SpecError(f"{path.name} is not valid YAML: {problem}", file=path, line=line, hint=hint,
                        field=exc.field if isinstance(exc, UnsafeYaml) else "") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path.name} must be a mapping of keys to values", file=path, line=1,
                        hint="start from the example in the README: name, app, health, ...")
    if node is not None:
        _refuse_duplicates(node, (), path)
    return data, lines


def _refuse_duplicates(node: yaml.Node, at: FieldPath, path: Path) -> None:
    """YAML lets a later key silently replace an earlier one; in a spec that hides a mistake."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name, line = clip(str(key.value), 40), key.start_mark.line + 1
            if name in seen:
                raise SpecError(f"`{name}` is set twice (first on line {seen[name]})", file=path, line=line,
                                field=".".join((*at, name)), hint="keep one of them: YAML would use the last")
            seen[name] = line
            _refuse_duplicates(value, (*at, name), path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _refuse_duplicates(item, (*at, str(index)), path)


def index_lines(node: yaml.Node, at: FieldPath, lines: dict[FieldPath, int]) -> None:
    """Remember the line of every key and list item, by field path."""
    lines[at] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            index_lines(value, (*at, str(key.value)), lines)
            # A field's line is its key's, not its value's (which may start on the next line).
            lines[(*at, str(key.value))] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            index_lines(item, (*at, str(index)), lines)


def line_for(lines: dict[FieldPath, int], field: FieldPath, *, shallowest: int = 0) -> int | None:
    """The line of the field, or of its nearest ancestor that is in the file (down to `shallowest` parts)."""
    for depth in range(len(field), shallowest - 1, -1):
        if field[:depth] in lines:
            return lines[field[:depth]]
    return None


def _without_echoes(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """`modul: x` gives "unknown key modul" and "missing module"; the first, with its suggestion, says it all."""
    unknown = {(e["loc"][:-1], str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden" and e["loc"]}

    def echoed(err: ErrorDetails) -> bool:
        if err["type"] != "missing" or not err["loc"]:
            return False
        parent, name = err["loc"][:-1], str(err["loc"][-1])
        return any(p == parent and difflib.get_close_matches(u, [name], n=1) for p, u in unknown)

    return [err for err in errors if not echoed(err)]


def _from_pydantic(err: ErrorDetails, path: Path, lines: dict[FieldPath, int]) -> SpecError:
    field = _user_field(err, lines)
    message, hint = _explain(err, field)
    return SpecError(message, hint=hint, file=path, line=line_for(lines, field), field=".".join(field))


def _user_field(err: ErrorDetails, lines: dict[FieldPath, int]) -> FieldPath:
    """The error's location as the user wrote it: pydantic adds union members and validator names to loc."""
    field: FieldPath = ()
    for index, part in enumerate(err["loc"]):
        candidate = (*field, str(part))
        last = index == len(err["loc"]) - 1
        if candidate in lines or (last and err["type"] == "missing"):
            field = candidate
    return field


def _explain(err: ErrorDetails, field: FieldPath) -> tuple[str, str]:
    kind, name = err["type"], clip(field[-1], 40) if field else "spec"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(field[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"allowed here: {', '.join(allowed)}"
        return f"unknown key `{name}`", hint
    if kind == "missing":
        return f"missing required key `{name}`", f"add `{name}:`; `builder schema` shows what it takes"
    if kind == "string_pattern_mismatch":
        return f"`{name}` has an invalid value {clip(str(err['input']))!r}", _pattern_hint(field)
    message = clip(err["msg"].removeprefix("Value error, "), 300)
    hint = "use one of the values listed" if kind == "literal_error" else "`builder schema` shows the expected form"
    if isinstance(err["input"], float):
        hint += "; write it in quotes, e.g. \"3.11\": unquoted, YAML reads it as a number (3.10 becomes 3.1)"
    return f"`{name}`: {message}" if field else message, hint


_PATTERN_HINTS = {
    "module": "write it as package.module:callable, e.g. gradebook.wsgi:app or app.main:create_app()",
    "liveness": "a URL path starting with /, e.g. /health",
    "readiness": "a URL path starting with /, e.g. /ready",
    "name": "lowercase letters, digits and dashes, starting with a letter, e.g. gradebook",
    "maxmemory": "a size like 256mb or 1gb",
    "version": "a major version number, e.g. 16 for postgres, 7 for redis",
    "source": "a file under the app's directory, relative to builder.yaml, e.g. requirements.in",
    "requirements": "a file under the app's directory, relative to builder.yaml, e.g. requirements.txt",
    "lock": "a .lock or .txt file under the app's directory, relative to builder.yaml, e.g. requirements.lock",
    "database": "a Postgres name: lowercase letters, digits and _, starting with a letter, e.g. gradebook",
    "user": "a Postgres name: lowercase letters, digits and _, starting with a letter, e.g. gradebook",
    "database_plan": "a Render Postgres plan, e.g. free, basic-256mb, basic-1gb, pro-4gb",
    "writable_paths": "a directory under /app, /data, /tmp or /var/lib/<name>, e.g. /app/data",
    "build": "a Debian package name, e.g. libpq-dev",
    "runtime": "a Debian package name, e.g. libpq5",
    "extras": "a dependency group name, e.g. postgres",
    "keep": "a Python distribution name, e.g. gunicorn",
}


def _pattern_hint(field: FieldPath) -> str:
    for part in reversed(field):
        if part in _PATTERN_HINTS:
            return _PATTERN_HINTS[part]
    return "see `builder schema` for the expected form"


def _allowed_keys(parent: FieldPath) -> list[str]:
    """Keys the model at `parent` accepts, found by walking the spec's models."""
    model: type[BaseModel] | None = AppSpec
    parts = list(parent)
    while parts and model is not None:
        info = model.model_fields.get(parts.pop(0))
        if info is None:
            return []
        if get_origin(info.annotation) is dict:
            parts = parts[1:]  # the next part is the user's own key (env.SECRET_KEY)
        model = _model_of(info.annotation)
    return [info.alias or name for name, info in model.model_fields.items()] if model else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found:
            return found
    return None


def _file_checks(spec: AppSpec, root: Path) -> list[tuple[FieldPath, str, str]]:
    """The spec names files; they must be there."""
    from builder.lock.errors import LockInputError
    from builder.lock.inputs import find_source

    problems: list[tuple[FieldPath, str, str]] = []
    try:
        find_source(root, spec.dependencies)
    except LockInputError as exc:
        problems.append((tuple(exc.field.split(".")), exc.message, exc.hint))
    module = spec.app.module.split(":", 1)[0]
    candidates = [root / (module.replace(".", "/") + ".py"), root / module.replace(".", "/") / "__init__.py"]
    if not any(c.is_file() for c in candidates) and not _on_app_path(spec, root, module):
        problems.append((("app", "module"), f"module {module} not found (looked for "
                         f"{candidates[0].relative_to(root)} and {candidates[1].relative_to(root)})",
                         "check app.module: it is package.module:callable, relative to builder.yaml"))
    return problems


def _on_app_path(spec: AppSpec, root: Path, module: str) -> bool:
    """A src layout: the module is under a folder of the app that env PYTHONPATH (an /app/... path) names."""
    from builder.plan import APP_DIR

    path = spec.env.get("PYTHONPATH")
    folders = [p.removeprefix(f"{APP_DIR}/") for p in (path.value or "").split(":") if p.startswith(f"{APP_DIR}/")] \
        if path else []
    rel = module.replace(".", "/")
    return any((root / f / f"{rel}.py").is_file() or (root / f / rel / "__init__.py").is_file() for f in folders)
