"""The readers doctor's checks stand on: connection URLs, .env files, Dockerfiles, start commands, secret shapes."""

from __future__ import annotations

import pytest

from builder.doctor.base import Where
from builder.doctor.blueprint import looks_secret
from builder.doctor.runtime_files import sqlite_path
from builder.doctor.sources import read_dotenv
from builder.doctor.startup import StartCommand, command_from_dockerfile, parse_dockerfile, server_argv
from builder.doctor.urls import UnparsableUrl, is_external_host, parse_url


def test_url_parts_and_redaction() -> None:
    url = parse_url("postgresql+psycopg://app:p%40ss@db.example.com:5433/app?sslmode=require&password=x")
    assert url is not None
    assert (url.base, url.driver, url.host, url.port, url.username) == ("postgresql", "psycopg", "db.example.com",
                                                                        5433, "app")
    redacted = url.redacted(scheme="postgresql")
    assert redacted == "postgresql://app:***@db.example.com:5433/app?sslmode=require&password=***"
    assert "p%40ss" not in redacted


@pytest.mark.parametrize("value", ["info", "/app/data", "https://example.com/x", "amqp://guest:guest@rabbit/"])
def test_values_that_are_not_database_urls_are_left_alone(value: str) -> None:
    assert parse_url(value) is None


def test_a_hash_in_the_password_makes_the_url_unparsable_without_echoing_it() -> None:
    with pytest.raises(UnparsableUrl) as caught:
        parse_url("postgresql://app:se#cret@db/app")
    assert "se#cret" not in str(caught.value)


@pytest.mark.parametrize(("host", "external"), [
    ("postgres", False), ("dpg-abc123-a", False), ("localhost", False), ("127.0.0.1", False), ("10.0.3.4", False),
    ("db.internal", False), ("dpg-abc123-a.oregon-postgres.render.com", True), ("8.8.8.8", True), (None, False),
])
def test_external_hosts(host: str | None, external: bool) -> None:
    assert is_external_host(host) is external


@pytest.mark.parametrize(("value", "path"), [
    ("sqlite:////app/data/notes.db", "/app/data/notes.db"), ("sqlite:///notes.db", "/app/notes.db"),
    ("sqlite+pysqlite:///var/x.sqlite3", "/app/var/x.sqlite3"), ("/srv/data/app.sqlite3", "/srv/data/app.sqlite3"),
    ("sqlite://", None), ("sqlite:///:memory:", None), ("postgresql://db/app", None), ("info", None),
])
def test_sqlite_paths_as_the_container_sees_them(value: str, path: str | None) -> None:
    assert sqlite_path(value) == path


def test_dotenv_lines_quotes_comments_and_export() -> None:
    text = "# comment\n\nexport A=1\nB='two words'\nC=\"x # not a comment\"\nD=plain # a comment\nnot a line\n"
    values = {v.name: (v.value, v.where) for v in read_dotenv(text, ".env")}
    assert values == {"A": ("1", Where(".env", 3)), "B": ("two words", Where(".env", 4)),
                      "C": ("x # not a comment", Where(".env", 5)), "D": ("plain", Where(".env", 6))}


def test_dockerfile_final_stage_command_and_bases_with_arg_defaults() -> None:
    text = ("ARG PYTHON_BASE=python:3.12-slim\nFROM ${PYTHON_BASE} AS builder\nCMD [\"ignored\"]\n"
            "FROM $PYTHON_BASE\n# a comment\nENTRYPOINT [\"/entrypoint.sh\"]\nCMD gunicorn \\\n  app:app\n")
    facts = parse_dockerfile(text, "Dockerfile")
    assert [image for image, _ in facts.bases] == ["python:3.12-slim", "python:3.12-slim"]
    assert facts.bases[0][1] == Where("Dockerfile", 1)
    command = command_from_dockerfile(facts)
    assert command is not None
    # As BuildKit joins a continuation: the next line's indentation stays, and the shell splits it away.
    assert command.argv == ("/entrypoint.sh", "/bin/sh", "-c", "gunicorn   app:app")
    assert (command.shell, command.where) == (True, Where("Dockerfile", 7))


def test_dockerfile_facts_share_lints_parser_flags_heredocs_and_all() -> None:
    text = ("ARG BASE=python:3.12-slim\nFROM --platform=linux/amd64 ${BASE}\nRUN <<EOF\nCMD not an instruction\nEOF\n"
            "CMD [\"gunicorn\", \"app:app\"]\n")
    facts = parse_dockerfile(text, "Dockerfile")
    assert facts.bases == (("python:3.12-slim", Where("Dockerfile", 1)),)
    command = command_from_dockerfile(facts)
    assert command is not None and (command.argv, command.shell) == (("gunicorn", "app:app"), False)
    assert parse_dockerfile("not a dockerfile\n", "Dockerfile").bases == (), "doctor reads what it can, never fails"


@pytest.mark.parametrize(("argv", "expected"), [
    (("gunicorn", "-c", "g.py", "app:app"), ("gunicorn", ("-c", "g.py", "app:app"), False)),
    (("/opt/venv/bin/uvicorn", "app:app"), ("uvicorn", ("app:app",), False)),
    (("sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"),
     ("gunicorn", ("--bind", "0.0.0.0:$PORT", "app:app"), True)),
    (("python", "-m", "gunicorn", "app:app"), ("gunicorn", ("app:app",), False)),
    (("./run.sh",), ("", ("./run.sh",), False)),
])
def test_the_server_is_found_behind_shells_and_module_runs(argv: tuple[str, ...],
                                                            expected: tuple[str, tuple[str, ...], bool]) -> None:
    assert server_argv(StartCommand(argv, False, Where(), "CMD")) == expected


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("SECRET_KEY", "a8f5f167f44f4964e6c998dee827110c", "the name says secret"),
    ("DATABASE_URL", "postgresql://app:hunter22@db.example.com/app", "a URL with a password in it"),
    ("HOOK", "sk_live_51Hx9aB7cD3eF5gH7iJ9kL1m", "a Stripe key"),
    ("KEY_ID", "AKIAIOSFODNN7EXAMPLE", "an AWS access key"),
    ("BLOB", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u", "a long random-looking string"),
])
def test_secret_shapes(name: str, value: str, reason: str) -> None:
    assert looks_secret(name, value) == reason


@pytest.mark.parametrize(("name", "value"), [
    ("LOG_LEVEL", "info"), ("SECRET_KEY_FILE", "/run/secrets/secret_key"), ("TOKEN_TTL", "3600"),
    ("PASSWORD_MIN_LENGTH", "12"), ("API_KEY", "true"), ("DATABASE_URL", "postgresql://app@db/app"),
    ("NOTES_DB", "/app/data/notes.sqlite3"),
])
def test_ordinary_values_are_not_secrets(name: str, value: str) -> None:
    assert looks_secret(name, value) is None
