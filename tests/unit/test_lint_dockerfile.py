"""The Dockerfile parser and builder's Dockerfile policy, rule by rule, on small Dockerfiles written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.dockerfile import expand, parse_dockerfile
from builder.errors import BuilderError
from builder.quality.dockerfile_policy import check_dockerfile
from builder.quality.dockerignore import not_excluded
from builder.quality.hadolint import hadolint

GOOD_TAIL = 'USER 10001:10001\nHEALTHCHECK CMD ["true"]\nCMD ["app"]\n'


def ids(text: str, tmp_path: Path, *, dockerignore: str | None = ".env\n.git\n.venv\n") -> list[tuple[str, int | None]]:
    """(ID, line) of every builder finding for a Dockerfile with this text."""
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    if dockerignore is not None:
        (tmp_path / ".dockerignore").write_text(dockerignore)
    return sorted(((f.id, f.line) for f in check_dockerfile(parse_dockerfile(text, path=path), shown_as="Dockerfile")),
                  key=str)


def test_parser_joins_continuations_drops_comments_and_reads_flags(tmp_path: Path) -> None:
    text = ("# syntax=docker/dockerfile:1\nARG BASE=python:3.11-slim\nFROM ${BASE} AS build\n"
            "RUN --mount=type=cache,target=/root/.cache \\\n    # a comment inside\n    pip install x\n"
            "FROM build\nCOPY <<EOF /etc/app.conf\nkey = value\nEOF\nUSER 1000\n")
    df = parse_dockerfile(text, path=tmp_path / "Dockerfile")
    assert df.global_args == {"BASE": "python:3.11-slim"}
    build, final = df.stages
    assert (build.base, build.alias, build.line) == ("${BASE}", "build", 3)
    run = build.instructions[0]
    assert (run.keyword, run.line, run.flags) == ("RUN", 4, ("--mount=type=cache,target=/root/.cache",))
    assert run.args.split() == ["pip", "install", "x"]
    assert df.parent(final) is build and df.lineage(final) == [final, build]
    copy, user = final.instructions
    assert "key = value" in copy.args and user.line == 11  # the heredoc body is not taken for instructions


def test_escape_directive_changes_the_continuation_character(tmp_path: Path) -> None:
    df = parse_dockerfile("# escape=`\nFROM scratch\nRUN a `\n  b\n", path=tmp_path / "Dockerfile")
    assert df.stages[0].instructions[0].args.split() == ["a", "b"]


def test_a_file_without_from_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(BuilderError, match="has no FROM"):
        parse_dockerfile("RUN echo hi\n", path=tmp_path / "Dockerfile")


def test_expand_fills_defaults_and_reports_unknowns() -> None:
    assert expand("${A}:${B:-x}", {"A": "python"}) == "python:x"
    assert expand("$A-$B", {"A": "1"}) is None


def test_a_good_dockerfile_has_no_findings(tmp_path: Path) -> None:
    assert ids("FROM python:3.11-slim@sha256:" + "a" * 64 + "\n" + GOOD_TAIL, tmp_path) == []


@pytest.mark.parametrize(("user", "expected"), [
    ("0", "BLD-DF-001"), ("root:root", "BLD-DF-001"), ("app", "BLD-DF-002"), ("${UID}", "BLD-DF-002")])
def test_final_user_must_be_numeric_and_not_root(user: str, expected: str, tmp_path: Path) -> None:
    text = f"FROM python:3.11-slim\nUSER {user}\nHEALTHCHECK CMD [\"true\"]\nCMD [\"app\"]\n"
    assert ids(text, tmp_path) == [(expected, 2)]


def test_user_and_healthcheck_are_inherited_from_a_parent_stage(tmp_path: Path) -> None:
    text = "FROM python:3.11-slim AS base\n" + GOOD_TAIL + "FROM base\nRUN true\n"
    assert ids(text, tmp_path) == []


def test_user_set_in_another_unrelated_stage_does_not_count(tmp_path: Path) -> None:
    text = "FROM python:3.11-slim AS build\nUSER 1000\nFROM python:3.11-slim\nHEALTHCHECK CMD [\"true\"]\nCMD [\"a\"]\n"
    assert ids(text, tmp_path) == [("BLD-DF-001", 3)]


def test_healthcheck_none_in_the_final_stage_is_missing(tmp_path: Path) -> None:
    text = 'FROM python:3.11-slim\nUSER 10001\nHEALTHCHECK NONE\nCMD ["a"]\n'
    assert ids(text, tmp_path) == [("BLD-DF-003", 1)]


@pytest.mark.parametrize(("base", "flagged"), [
    ("python", True), ("python:latest", True), ("registry:5000/team/python", True), ("python:3.11-slim", False),
    ("registry:5000/team/python:3.11", False), ("python@sha256:" + "b" * 64, False), ("scratch", False),
    ("${UNSET}", False)])
def test_base_image_must_be_pinned(base: str, flagged: bool, tmp_path: Path) -> None:
    assert (("BLD-DF-004", 1) in ids(f"FROM {base}\n{GOOD_TAIL}", tmp_path)) == flagged


def test_base_from_a_global_arg_default_is_resolved(tmp_path: Path) -> None:
    assert ids(f"ARG BASE=python:latest\nFROM ${{BASE}}\n{GOOD_TAIL}", tmp_path) == [("BLD-DF-004", 2)]
    assert ids(f"ARG BASE=python:3.11\nFROM ${{BASE}}\n{GOOD_TAIL}", tmp_path) == []


def test_add_is_flagged_for_local_files_only(tmp_path: Path) -> None:
    text = f"FROM python:3.11\nADD https://example.org/x.tgz /x\nADD app.tar.gz /srv\nADD . /app\n{GOOD_TAIL}"
    assert ids(text, tmp_path) == [("BLD-DF-005", 4)]


def test_shell_form_cmd_and_entrypoint(tmp_path: Path) -> None:
    text = 'FROM python:3.11\nUSER 1\nHEALTHCHECK CMD ["t"]\nENTRYPOINT python -m app\nCMD python app.py\n'
    assert ids(text, tmp_path) == [("BLD-DF-006", 4), ("BLD-DF-006", 5)]


@pytest.mark.parametrize("line", [
    "ENV DB_PASSWORD=hunter2", "ENV API_KEY sk-123", "ARG GITHUB_TOKEN", "LABEL auth_token=abc",
    "ENV DATABASE_URL=postgresql://app:pw@db/app", "ENV X=AKIA" + "Q" * 16])
def test_secret_looking_values_are_flagged(line: str, tmp_path: Path) -> None:
    assert ids(f"FROM python:3.11\n{line}\n{GOOD_TAIL}", tmp_path) == [("BLD-DF-007", 2)]


@pytest.mark.parametrize("line", [
    "ENV PASSWORD_FILE=/run/secrets/db", "ARG PYTHON_BASE", "ENV AUTHOR=me TOKENIZERS_PARALLELISM=false",
    "ENV X=AKIAIOSFODNN7EXAMPLE", "ENV DATABASE_URL=postgresql://app@db/app"])
def test_names_and_values_that_only_look_close_are_not_flagged(line: str, tmp_path: Path) -> None:
    assert ids(f"FROM python:3.11\n{line}\n{GOOD_TAIL}", tmp_path) == []


def test_pipes_need_pipefail(tmp_path: Path) -> None:
    base = "FROM python:3.11\n"
    assert ids(f"{base}RUN curl -s x | sh\n{GOOD_TAIL}", tmp_path) == [("BLD-DF-008", 2)]
    assert ids(f"{base}RUN a || b && echo 'x|y' > f\n{GOOD_TAIL}", tmp_path) == []
    assert ids(f"{base}RUN set -eo pipefail; curl x | sh\n{GOOD_TAIL}", tmp_path) == []
    shell = 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
    assert ids(f"{base}{shell}RUN curl x | sh\n{GOOD_TAIL}", tmp_path) == []


def test_apt_update_and_install_together_without_recommends_lists_removed(tmp_path: Path) -> None:
    base = "FROM debian:12\n"
    good = "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
    assert ids(base + good + GOOD_TAIL, tmp_path) == []
    split = "RUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n"
    assert ids(base + split + GOOD_TAIL, tmp_path) == [("BLD-DF-009", 2), ("BLD-DF-009", 3), ("BLD-DF-011", 2)]
    assert ids(base + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
               + GOOD_TAIL, tmp_path) == [("BLD-DF-010", 2)]


def test_apt_lists_under_a_cache_mount_or_in_a_builder_stage_are_fine(tmp_path: Path) -> None:
    cached = ("FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update"
              " && apt-get install -y --no-install-recommends curl\n")
    assert ids(cached + GOOD_TAIL, tmp_path) == []
    staged = ("FROM debian:12 AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc\n"
              "FROM debian:12\n")
    assert ids(staged + GOOD_TAIL, tmp_path) == []


def test_dockerignore_must_keep_secrets_and_history_out(tmp_path: Path) -> None:
    text = "FROM python:3.11\n" + GOOD_TAIL
    assert ids(text, tmp_path, dockerignore=None) == [("BLD-DF-012", None)]
    assert ids(text, tmp_path, dockerignore=".git\n") == [("BLD-DF-012", None)]
    assert ids(text, tmp_path, dockerignore=".git\n.venv\n.env\n") == []


def test_a_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile.dockerignore").write_text("**\n")
    assert ids("FROM python:3.11\n" + GOOD_TAIL, tmp_path, dockerignore="") == []


@pytest.mark.parametrize(("ignore", "let_in"), [
    ("**/.env\n.git/\n./.venv\n", []), ("*\n", []), (".env*\n.git\n.venv\n!.env\n", [".env"]),
    ("# .env\n.git\n.venv\n", [".env"]), (".[eg]*\n.venv\n", []), ("env\n.gitignore\n.venv\n", [".env", ".git"])])
def test_dockerignore_patterns_follow_buildkit(ignore: str, let_in: list[str]) -> None:
    assert not_excluded(ignore) == let_in


def test_hadolint_is_cache_mount_aware_for_pip(tmp_path: Path) -> None:
    """hadolint flags pip under a mount at /root/.cache (DL3042); builder drops that, but keeps a mount elsewhere."""
    path = tmp_path / "Dockerfile"
    path.write_text("FROM python:3.11-slim\n"
                    "RUN --mount=type=cache,target=/root/.cache pip install flask==3.0.0\n"
                    "RUN --mount=type=cache,target=/tmp/elsewhere pip install redis==5.0.0\n" + GOOD_TAIL)
    found = hadolint([(parse_dockerfile(path.read_text(), path=path), "Dockerfile")])
    assert [(f.id, f.line) for f in found] == [("DL3042", 3)]
