"""Property tests for issue 17: no spec string changes a generated file's structure; no input crashes or hangs.

(a) Any string in any string field of the spec is either refused (a SpecError, exit 2) or yields files that the
    formats' real parsers (Dockerfile instructions, yaml.safe_load, Python's ast) read into the same structure as a
    plain value does. (b) Arbitrary text as builder.yaml, and as the files doctor and lint read, ends in exit 0, 1 or
    2: never a traceback or an internal error, never a hang (a generous deadline guards that; it measures no speed).
"""

from __future__ import annotations

import ast
import copy
import functools
import json
import shlex
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from builder.cli import EXIT_FAILED, EXIT_USER_ERROR, main
from builder.dockerfile import parse_dockerfile
from builder.errors import BuilderError
from builder.processes import exec_form
from builder.project import load_project
from builder.targets import artifacts_for

REPO = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 5.0
PLAIN: dict[str, Any] = {
    "name": "shop", "app": {"module": "shop.wsgi:app"},
    "health": {"liveness": "/health", "readiness": "/ready"},
    "dependencies": {"lock": "requirements.lock", "extras": ["web"], "keep": ["gunicorn"]},
    "system_packages": {"build": ["gcc"], "runtime": ["libpq5"]},
    "build_steps": ["echo built"], "release": "alembic upgrade head", "writable_paths": ["/app/data"],
    "services": {"postgres": {"version": "16", "database": "shop", "user": "shop"},
                 "redis": {"version": "7", "maxmemory": "256mb"}},
    "env": {"GREETING": {"value": "hello"}, "DATABASE_URL": {"from": "postgres"}},
    "smoke": [{"path": "/api", "body_contains": "ok"}],
    "render": {"database_plan": "basic-256mb"},
}
# Every string field: its path in PLAIN (an int is a list index).
STRING_FIELDS: list[tuple[Any, ...]] = [
    ("name",), ("app", "module"), ("health", "liveness"), ("health", "readiness"), ("dependencies", "lock"),
    ("dependencies", "extras", 0), ("dependencies", "keep", 0), ("system_packages", "build", 0),
    ("system_packages", "runtime", 0), ("build_steps", 0), ("release",), ("writable_paths", 0),
    ("services", "postgres", "version"), ("services", "postgres", "database"), ("services", "postgres", "user"),
    ("services", "redis", "version"), ("services", "redis", "maxmemory"), ("env", "GREETING", "value"),
    ("smoke", 0, "path"), ("smoke", 0, "body_contains"), ("render", "database_plan"),
]
# Pieces of the reproducers and of each format's syntax, so arbitrary strings reach the edges quickly.
NASTY = ["\n", "\r", "\\", "\\\n", '"', "'", "$", "${HOME}", "$$", "#", " # x", ": ", "- ", "[", "]", "{", "}", ",",
         "=", "&", "*", "!", "|", ">", "<<EOF", "USER 0:0", "ENTRYPOINT", "\nUSER 0:0\n", ",from=evil,source=/",
         '", "-h", "evil', "ports: ['0.0.0.0:5432:5432']", "yes", "null", "~", "16", "0o17", ".inf", "😀", "é",
         "\x00", "\x1b", "\x85", "\u2028", "\ufeff", "/..", "/usr/bin", "../", "/app/", "a" * 300, "\t", "'''", '"""',
         "\\u0000", "%", "`", ";", "&&", "\\x"]
PIECES = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=12)), max_size=4).map("".join)
# A plain-looking start, at least one piece of syntax, then anything: the edges get hit in a few hundred examples.
HOSTILE_TEXT = st.tuples(st.sampled_from(["", "x", "shop", "/app/x", "a.b:c"]), st.sampled_from(NASTY),
                         PIECES).map("".join)
# The reproducers, always tried first: put one back and the property fails on it.
REPRODUCERS: list[tuple[tuple[Any, ...], str]] = [
    (("build_steps", 0), 'echo hi\nUSER 0:0\nENTRYPOINT ["/bin/sh"]'), (("build_steps", 0), "echo done \\"),
    (("build_steps", 0), "cat <<USER"),
    (("dependencies", "lock"), "requirements.lock,from=attacker/image:latest,source=/requirements.lock \\\n true"
                               "\nUSER 0:0"),
    (("services", "postgres", "database"), "gradebook\n    ports: ['0.0.0.0:5432:5432']"),
    (("render", "database_plan"), "basic-256mb\n    diskSizeGB: 4000"),
    (("services", "postgres", "database"), "gradebook # prod"), (("services", "postgres", "user"), "yes"),
    (("services", "postgres", "database"), "[a, b]"), (("release",), "alembic upgrade \U0001f600"),
    (("env", "GREETING", "value"), "\U0001f600"), (("services", "postgres", "user"), 'app", "-h", "evil.example.com'),
    (("env", "GREETING", "value"), "pa$word-${HOME}"), (("env", "GREETING", "value"), "${MUST_BE_SET:?boom}"),
    (("writable_paths", 0), "/.."), (("writable_paths", 0), "/usr/bin"), (("writable_paths", 0), "/app/../../etc"),
    (("dependencies", "lock"), "builder.yaml"), (("dependencies", "lock"), "shop/wsgi.py"),
    (("dependencies", "lock"), "../../ESCAPED.lock"), (("release",), "alembic 'upgrade"),
    (("services", "redis", "maxmemory"), "9" * 400 + "mb"), (("env", "GREETING", "value"), "a\x00b"),
    (("dependencies", "lock"), "a" * 300 + ".lock"), (("name",), "yes"), (("name",), "null"),
]


def _set(data: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    node: Any = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


@contextmanager
def _app(spec: dict[str, Any] | str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "shop").mkdir()
        (root / "shop" / "wsgi.py").write_text("app = None\n")
        (root / "requirements.txt").write_text("flask==3.1.3\n")
        text = spec if isinstance(spec, str) else yaml.safe_dump(spec, allow_unicode=True)
        (root / "builder.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        yield root


def _files(spec: dict[str, Any]) -> dict[str, str] | None:
    """The generated files' text by name, or None when the spec is refused as a user error."""
    with _app(spec) as root:
        try:
            return {a.name: a.text for a in artifacts_for(load_project(root).plan)}
        except BuilderError:
            return None


def _shape(value: Any) -> Any:
    """A parsed YAML document with every scalar replaced by its type: keys, nesting and list lengths remain."""
    if isinstance(value, dict):
        return {str(k): _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


def _dockerfile_shape(text: str, step: str) -> list[Any]:
    """Instructions, their exec-form argument counts and flag keys, shell word counts, and USER as written."""
    assert text.splitlines() == text.split("\n")[:-1], "only \\n ends a Dockerfile line"
    shape: list[Any] = []
    for ins in parse_dockerfile(text, path=Path("Dockerfile")).stages[-1].instructions:
        array = ins.exec_form()
        flags = [tuple(part.split("=", 1)[0] for part in flag.split(",")) for flag in ins.flags]
        if ins.keyword == "RUN" and array is not None:
            shape.append(("RUN", flags, len(array)))  # a build step: exec form, the step one argument of sh -c
        elif ins.keyword == "RUN" and ins.args.strip() == step.strip():
            shape.append(("RUN", "the build step"))  # the user's own shell, by design
        elif ins.keyword == "RUN":
            shape.append(("RUN", flags, len(shlex.split(ins.args.replace("\\\n", " ")))))
        else:
            shape.append((ins.keyword, flags, len(array) if array is not None else None,
                          ins.args if ins.keyword in ("USER", "FROM", "WORKDIR") else ""))
    return shape


def _python_shape(text: str) -> list[str]:
    return [type(node).__name__ for node in ast.walk(ast.parse(text))]


def _structure(files: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    step = spec["build_steps"][0]
    shapes: dict[str, Any] = {}
    for name, text in files.items():
        if name.startswith("Dockerfile"):
            shapes[name] = _dockerfile_shape(text, step)
        elif name.endswith((".yaml", ".yml")):
            shapes[name] = _shape(yaml.safe_load(text))
        elif name.endswith(".py"):
            shapes[name] = _python_shape(text)
        else:
            shapes[name] = len(text.splitlines())
    return shapes


@functools.cache
def _reference(release_words: int) -> dict[str, Any]:
    """The structure of the plain spec's files, with a release of as many exec-form words (its length is the
    command's own: `$VAR` makes it `sh -c`)."""
    spec = _set(PLAIN, ("release",), " ".join(["word"] * release_words))
    files = _files(spec)
    assert files is not None
    return _structure(files, spec)


PLAIN_FILES = _files(PLAIN)


def test_the_plain_spec_generates() -> None:
    assert PLAIN_FILES is not None
    compose = yaml.safe_load(PLAIN_FILES["compose.yaml"])
    assert compose["services"]["postgres"]["healthcheck"]["test"] == [
        "CMD", "pg_isready", "-h", "127.0.0.1", "-U", "shop", "-d", "shop"]


def _with_reproducers(test: Any) -> Any:
    for field, value in REPRODUCERS:
        test = example(field=field, value=value)(test)
    return test


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(STRING_FIELDS), value=HOSTILE_TEXT)
@_with_reproducers
def test_no_string_changes_a_generated_files_structure(field: tuple[Any, ...], value: str) -> None:
    spec = _set(PLAIN, field, value)
    files = _files(spec)
    if files is None:
        return  # refused: a SpecError, which the CLI reports with exit 2
    assert _structure(files, spec) == _reference(len(exec_form(spec["release"])))
    user_lines = [line for line in files["Dockerfile"].split("\n") if line.startswith("USER")]
    assert user_lines == ["USER 10001:10001"]
    _values_survive(files, spec)


def _values_survive(files: dict[str, str], spec: dict[str, Any]) -> None:
    """Literal values arrive as written: compose sees every `$` escaped, Render gets the text itself."""
    compose = yaml.safe_load(files["compose.yaml"])["services"]
    value, command = compose["app"]["environment"]["GREETING"], compose["release"]["command"]
    for text in (value, *command):
        assert "$" not in text.replace("$$", ""), f"an unescaped $ in {text!r}: compose would interpolate it"
    assert value.replace("$$", "$") == spec["env"]["GREETING"]["value"]
    assert [word.replace("$$", "$") for word in command] == exec_form(spec["release"])
    render = yaml.safe_load(files["render.yaml"])["services"][0]["envVars"]
    assert next(e["value"] for e in render if e["key"] == "GREETING") == spec["env"]["GREETING"]["value"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    started = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert elapsed < HANG_GUARD_S, f"hang guard: {elapsed:.1f}s"
    assert "internal error" not in err and "Traceback" not in err, err
    return code, err


YAMLISH = st.lists(st.one_of(st.sampled_from([
    "name: shop\n", "app: {module: shop.wsgi:app}\n", "health: {liveness: /health}\n", "&a ", "*a", "&b [*a, *a]",
    "[", "]", "{", "}", ": ", "- ", "\n", "  ", "!!int ", "!!float ", "!!binary ", "!!set ", "!!python/object ",
    "<<: ", "? ", "|\n  ", "'", '"', "\\", "\\0", "\\x1b", "\x00", "\x07", ".inf", "-.nan", "9" * 5000, "0x" + "f" * 40,
    "1e999", "2020-13-45", "~", "smoke:\n  - path: /\n    json: ", "port: ", "env: {", "K: ", "---\n", "...\n",
    "%YAML 1.1\n", "\t", "\ufeff", "\u2028", "😀"]), st.text(max_size=8)), max_size=25).map("".join)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=YAMLISH)
def test_any_text_as_builder_yaml_ends_in_0_or_2(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with _app(text) as root:
        code, _ = _run(["--spec", str(root), "plan", "--json"], capsys)
        assert code in (0, EXIT_USER_ERROR)
        if code == 0:
            json.loads(capsys.readouterr().out or "{}")


SAMPLE = REPO / "app_sample"
DOCTOR_FILES = ["render.yaml", ".env", "gunicorn.conf.py", "compose.yaml"]
PYTHONISH = st.lists(st.one_of(st.sampled_from([
    "workers = ", "threads = ", "bind = ", "timeout = ", "worker_class = ", "import os\n", "\n", "(", ")", "[", "]",
    "-", "'", '"', "4", "int(os.environ.get('WEB_CONCURRENCY', '2'))", "\x00", "9" * 5000, "lambda: ", "¹"]),
    st.text(max_size=6)), max_size=30).map("".join)
ENVISH = st.lists(st.one_of(st.sampled_from([
    "DATABASE_URL=", "REDIS_URL=", "WEB_CONCURRENCY=", "export ", "postgres://u:p@", "[::1", "]:", "/db", "#", "=",
    "\n", "'", '"', "redis://", "?sslmode=", ":6543", "²", "9" * 400, "%", "@", "\x00"]), st.text(max_size=6)),
    max_size=20).map("".join)


@pytest.fixture(scope="module")
def sample_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "app_sample"
        shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
        yield target


def _blueprint_tree() -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["services", "databases", "envVarGroups", "type", "name", "plan", "region", "envVars",
                            "key", "value", "fromDatabase", "fromService", "property", "scaling", "maxInstances",
                            "numInstances", "disk", "sizeGB", "mountPath", "dockerCommand", "startCommand",
                            "preDeployCommand", "runtime", "ipAllowList", "WEB_CONCURRENCY", "sync", "generateValue"])
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.sampled_from(
        ["web", "gradebook", "gradebook-db", "free", "starter", "oregon", "docker", "connectionString", "²",
         "postgres://u:p@[::1/db", "gunicorn -w 4 app:app", "WEB_CONCURRENCY"]), st.text(max_size=6))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(DOCTOR_FILES), data=st.data())
def test_doctor_and_lint_survive_any_file(name: str, data: st.DataObject, sample_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if name == ".env":
        text = data.draw(ENVISH)
    elif name == "gunicorn.conf.py":
        text = data.draw(PYTHONISH)
    elif data.draw(st.booleans()):
        text = data.draw(YAMLISH)
    else:
        text = yaml.safe_dump({"services": data.draw(_blueprint_tree()), "databases": data.draw(_blueprint_tree())})
    (sample_dir / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    code, _ = _run(["--spec", str(sample_dir), "doctor"], capsys)
    assert code in (0, EXIT_FAILED, EXIT_USER_ERROR)
    if name == "compose.yaml":
        code, _ = _run(["lint", str(sample_dir / name)], capsys)
        assert code in (0, EXIT_FAILED, EXIT_USER_ERROR)
