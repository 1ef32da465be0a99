"""`builder scan --image` on app_sample's real image: trivy offline, no database here, and a CycloneDX SBOM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.build import BuildResult
from builder.cli import EXIT_OK, EXIT_USER_ERROR, main
from builder.plan import BuildPlan

Build = tuple[BuildResult, BuildPlan, Path]


def test_without_a_database_the_vulnerability_scan_is_skipped_and_said_so(
        sample_build: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIVY_CACHE_DIR", str(tmp_path / "trivy"))
    sbom = tmp_path / "sbom.cdx.json"
    code = main(["scan", "--image", sample_build[0].tag, "--sbom", str(sbom), "--fail-on", "never"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert out.startswith(f"checked: {sample_build[0].tag}\n")
    assert f"note: vulnerability scan skipped: no trivy vulnerability database in {tmp_path / 'trivy' / 'db'}" in err
    assert "pass --db-dir DIR" in err
    document = json.loads(sbom.read_text())
    assert document["bomFormat"] == "CycloneDX"
    names = {c["name"].lower() for c in document["components"]}
    assert {"flask", "gunicorn", "libc6"} <= names  # the venv's packages and Debian's


def test_the_skip_note_is_in_json_and_sarif_too(sample_build: Build, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIVY_CACHE_DIR", str(tmp_path / "trivy"))
    main(["scan", "--image", sample_build[0].tag, "--sarif"])
    run = json.loads(capsys.readouterr().out)["runs"][0]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"].startswith("vulnerability scan skipped: no trivy vulnerability database")


def test_a_database_dir_without_a_database_is_a_user_error(sample_build: Build, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--image", sample_build[0].tag, "--db-dir", str(tmp_path)])
    assert code == EXIT_USER_ERROR
    assert f"error: no trivy vulnerability database in {tmp_path}" in capsys.readouterr().err
