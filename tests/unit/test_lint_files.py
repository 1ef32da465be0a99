"""`builder lint` on files, as a user runs it: generated files pass, seeded bad files trigger exactly their IDs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, EXIT_USER_ERROR, main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "quality"
GENERATED = sorted([REPO / "app_sample", *(p for p in (REPO / "tests" / "golden").iterdir() if p.is_dir())])


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Exit code, the JSON document, and stderr of `builder lint --json ARGV`."""
    code = main(["lint", "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_there_are_generated_projects_to_lint() -> None:
    assert len(GENERATED) == 9
    for project in GENERATED:
        assert (project / "Dockerfile").is_file() and (project / "compose.yaml").is_file(), project


@pytest.mark.parametrize("project", GENERATED, ids=lambda p: p.name)
def test_every_generated_file_passes_lint(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(project), "--fail-on", "info"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert "no findings" in out
    for name in ("Dockerfile", "Dockerfile.render", "compose.yaml"):
        assert f"{project.name}/{name}" in out.splitlines()[0]


def test_seeded_bad_dockerfile_triggers_exactly_its_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = lint(capsys, str(FIXTURES / "bad-dockerfile" / "Dockerfile"))
    assert code == EXIT_FAILED
    found = {(f["id"], f["line"], tuple(f["also"])) for f in report["findings"]}
    assert found == {
        ("BLD-DF-001", 2, ()),  # no USER: root
        ("BLD-DF-003", 2, ("DL3057",)),  # no HEALTHCHECK
        ("BLD-DF-004", 2, ("DL3007",)),  # python:latest
        ("BLD-DF-005", 5, ("DL3020",)),  # ADD
        ("BLD-DF-006", 6, ("DL3025",)),  # shell-form CMD
        ("BLD-DF-007", 3, ("DL3064",)),  # a secret in ENV
        ("BLD-DF-012", None, ()),  # no .dockerignore
    }


def test_seeded_bad_compose_file_triggers_exactly_its_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = lint(capsys, str(FIXTURES / "bad-compose" / "compose.yaml"))
    assert code == EXIT_FAILED
    found = sorted((f["id"], f["line"], f["message"].split(":")[0]) for f in report["findings"])
    assert found == [
        ("BLD-CO-001", 3, "web"),
        ("BLD-CO-002", 7, "web"),
        ("BLD-CO-002", 30, "worker"),
        ("BLD-CO-003", 15, "db"),
        ("BLD-CO-004", 9, "web"),
        ("BLD-CO-005", 11, "web"),
        ("BLD-CO-006", 3, "web"),
        ("BLD-CO-007", 3, "web"),
        ("BLD-CO-008", 3, "web"),
        ("BLD-CO-009", 24, "worker"),
    ]


def test_a_directory_without_targets_is_a_clear_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert f"nothing to lint in {tmp_path}" in err and "hint:" in err


def test_a_missing_path_is_a_clear_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", str(tmp_path / "Dockerfile.nope")])
    assert code == EXIT_USER_ERROR
    assert "no such file or directory" in capsys.readouterr().err


def test_broken_compose_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: [unclosed\n")
    code = main(["lint", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert "is not valid YAML" in err and "compose.yaml:" in err


def test_spec_directory_is_the_default_target(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES / "bad-dockerfile")
    code = main(["lint"])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    assert out.splitlines()[0] == "checked: Dockerfile"
    assert "BLD-DF-001" in out and "also: DL3057" in out


def test_fail_on_sets_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(FIXTURES / "bad-dockerfile")
    assert main(["lint", bad, "--fail-on", "high"]) == EXIT_FAILED  # BLD-DF-001 is high
    assert main(["lint", bad, "--fail-on", "critical"]) == EXIT_OK  # nothing critical
    assert main(["lint", bad, "--fail-on", "never"]) == EXIT_OK
    capsys.readouterr()


def test_sarif_output_lists_each_rule_once_with_locations(capsys: pytest.CaptureFixture[str]) -> None:
    main(["lint", str(FIXTURES / "bad-dockerfile"), "--sarif"])
    sarif = json.loads(capsys.readouterr().out)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "BLD-DF-004" in rule_ids
    cmd = next(r for r in run["results"] if r["ruleId"] == "BLD-DF-006")
    assert cmd["locations"][0]["physicalLocation"]["region"] == {"startLine": 6}
    assert cmd["level"] == "warning"


def test_one_dockerignore_shared_by_two_dockerfiles_is_reported_once(tmp_path: Path) -> None:
    from builder.quality.gates import lint_files

    for name in ("Dockerfile", "Dockerfile.render"):
        (tmp_path / name).write_text("FROM python:3.11-slim\nUSER 10001:10001\nCOPY . /app\n")
    (tmp_path / ".dockerignore").write_text(".git\n")
    gaps = [f for f in lint_files([tmp_path]).findings if f.id == "BLD-DF-012"]
    assert [(f.file, f.message) for f in gaps] == [
        (str(Path(shown_dir(tmp_path)) / ".dockerignore"), ".dockerignore lets .env, .venv into the build context")]


def shown_dir(path: Path) -> str:
    from builder.quality.targets import shown

    return shown(path)


@pytest.mark.parametrize(("copy", "says"), [("COPY . /app", "`COPY .` copies them"),
                                            ("COPY app.py /app/", "a later `COPY .` would copy them")])
def test_no_dockerignore_says_what_copies_the_context(tmp_path: Path, copy: str, says: str) -> None:
    from builder.quality.gates import lint_files

    (tmp_path / "Dockerfile").write_text(f"FROM python:3.11-slim\nUSER 10001:10001\n{copy}\n")
    [gap] = [f for f in lint_files([tmp_path]).findings if f.id == "BLD-DF-012"]
    assert gap.message.endswith(says)
