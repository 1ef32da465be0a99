"""`builder doctor` as a user runs it: table, JSON and SARIF output, exit codes, the process environment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, EXIT_USER_ERROR, main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "doctor"
SAMPLE = Path(__file__).resolve().parents[2] / "app_sample"
PASSWORD = "w1nter-S3cret"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The clean base fixture, copied so a test can seed a problem."""
    shutil.copytree(FIXTURES / "base", tmp_path / "app")
    return tmp_path / "app"


def doctor(capsys: pytest.CaptureFixture[str], app: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--spec", str(app), "doctor", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_app_sample_has_no_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert doctor(capsys, SAMPLE, "--no-environ") == (EXIT_OK, "no findings\n", "")


def test_a_finding_fails_the_run_and_shows_id_place_and_fix(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / ".env").write_text(f"DATABASE_URL=postgres://clinic:{PASSWORD}@dpg-abc123-a:5432/clinic\n")
    code, out, _ = doctor(capsys, app, "--no-environ")
    assert code == EXIT_FAILED
    assert "HIGH     DOC-CONN-002 .env:1" in out
    assert "fix: write it as postgresql+psycopg://clinic:***@dpg-abc123-a:5432/clinic" in out
    assert out.rstrip().endswith("1 finding(s): 1 high")
    assert PASSWORD not in out


def test_json_and_sarif(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / ".env").write_text(f"REDIS_URL=redis://default:{PASSWORD}@cache.example.com:6379/0\n")
    code, out, _ = doctor(capsys, app, "--no-environ", "--json")
    finding = json.loads(out)["findings"][0]
    assert (code, finding["id"], finding["file"], finding["line"], finding["source"]) == \
        (EXIT_FAILED, "DOC-CONN-008", ".env", 1, "doctor")
    _, out, _ = doctor(capsys, app, "--no-environ", "--sarif")
    run = json.loads(out)["runs"][0]
    assert run["tool"]["driver"]["name"] == "builder doctor"
    assert run["results"][0]["ruleId"] == "DOC-CONN-008"
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert PASSWORD not in out


def test_fail_on_sets_the_threshold(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / ".python-version").write_text("3.12\n")  # a medium finding
    assert doctor(capsys, app, "--no-environ")[0] == EXIT_FAILED
    code, out, _ = doctor(capsys, app, "--no-environ", "--fail-on", "high")
    assert code == EXIT_OK
    assert "DOC-PY-001" in out


def test_an_unknown_severity_is_a_user_error(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    code, _, err = doctor(capsys, app, "--fail-on", "dire")
    assert code == EXIT_USER_ERROR
    assert "unknown severity 'dire'" in err


def test_the_process_environment_is_read_for_declared_variables(capsys: pytest.CaptureFixture[str], app: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgres://clinic:{PASSWORD}@dpg-abc123-a/clinic")
    monkeypatch.setenv("SOME_OTHER_URL", "postgres://not:ours@elsewhere.example.com/db")
    code, out, _ = doctor(capsys, app)
    assert code == EXIT_FAILED
    assert "DATABASE_URL (process environment) uses the `postgres://` scheme" in out
    assert "SOME_OTHER_URL" not in out and PASSWORD not in out
    assert doctor(capsys, app, "--no-environ")[:2] == (EXIT_OK, "no findings\n")


def test_a_broken_spec_is_reported_not_raised(capsys: pytest.CaptureFixture[str], app: Path) -> None:
    (app / "builder.yaml").write_text("name: clinic\napp: [\n")
    code, _, err = doctor(capsys, app)
    assert code == EXIT_USER_ERROR
    assert "error: builder.yaml is not valid YAML" in err
