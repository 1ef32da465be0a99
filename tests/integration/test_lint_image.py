"""`builder lint --image` (and `scan --image`) on real images: app_sample's build, and a seeded bad image."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import BuildResult
from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.plan import BuildPlan
from builder.quality.image_fs import read_image_files

REPO = Path(__file__).resolve().parents[2]
BAD_IMAGE = "h5-quality/bad-image:test"
Build = tuple[BuildResult, BuildPlan, Path]


def lint_image(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["lint", "--json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out)["findings"], err


@pytest.fixture(scope="module")
def bad_image(docker_client: Any, sample_build: Build) -> Iterator[str]:
    """tests/fixtures/quality/bad-image built on the Python base app_sample used: root, setuid, gcc, an .env."""
    docker_client.images.build(path=str(REPO / "tests" / "fixtures" / "quality" / "bad-image"), tag=BAD_IMAGE,
                               buildargs={"BASE": sample_build[0].base.used}, rm=True, forcerm=True)
    yield BAD_IMAGE
    docker_client.images.remove(BAD_IMAGE, force=True)


def test_sample_image_passes_lint_image(sample_build: Build, capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _ = lint_image(capsys, "--image", sample_build[0].tag, "--fail-on", "info")
    assert (code, findings) == (EXIT_OK, [])


def test_bad_image_triggers_exactly_the_expected_ids(docker_client: Any, bad_image: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _ = lint_image(capsys, "--image", bad_image)
    assert code == EXIT_FAILED
    by_id = {f["id"]: f["message"] for f in findings}
    assert set(by_id) == {"BLD-IM-001", "BLD-IM-004", "BLD-IM-005", "BLD-IM-012", "BLD-IM-013"}
    assert by_id["BLD-IM-001"] == "the image runs as root (no USER)"
    assert "/usr/bin/gcc" in by_id["BLD-IM-005"] and "/app/.env" in by_id["BLD-IM-012"]
    assert "/app/.env (GitHub token)" in by_id["BLD-IM-013"]
    # Read from a container that was created, never started, and is gone again.
    assert docker_client.containers.list(all=True, filters={"label": "builder.purpose=quality"}) == []


def test_bad_image_files_include_the_seeded_setuid_helper(docker_client: Any, bad_image: str) -> None:
    files = read_image_files(docker_client, bad_image)
    assert "/usr/local/bin/helper" in files.setid
    assert files.compilers == ["/usr/bin/gcc"] and files.env_files == ["/app/.env"]


def test_scan_folds_trivys_secret_finding_into_builders(bad_image: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRIVY_CACHE_DIR", str(tmp_path / "trivy"))
    code = main(["scan", "--json", "--image", bad_image])
    report = json.loads(capsys.readouterr().out)
    token = next(f for f in report["findings"] if f["id"] == "BLD-IM-013")
    assert code == EXIT_FAILED
    assert token["also"] == ["github-pat"] and token["severity"] == "critical"
    assert not [f for f in report["findings"] if f["source"] == "trivy"]  # every trivy finding had a builder twin
