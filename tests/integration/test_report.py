"""`builder report` and budgets against real images: package sizes, wasted bytes, the CLI, and the HTML in a browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from docker.errors import DockerException

from builder.build import BuildResult
from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.containers import LABEL_PURPOSE
from builder.engine import find_buildkit_cli
from builder.plan import BuildPlan
from builder.report.history import HistoryEntry, history_file, record_build
from builder.report.measure import measure_image

REPO = Path(__file__).resolve().parents[2]
Build = tuple[BuildResult, BuildPlan, Path]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A history directory of the test's own, so that no run touches the user's."""
    folder = tmp_path / "history"
    monkeypatch.setenv("BUILDER_HISTORY_DIR", str(folder))
    return folder


def spec_copy(tmp_path: Path, budgets: dict[str, float]) -> Path:
    """app_sample with other budgets (builder.yaml is not in the build context, so the build cache still serves)."""
    root = tmp_path / "app_sample"
    shutil.copytree(REPO / "app_sample", root, ignore=shutil.ignore_patterns("__pycache__"))
    spec = yaml.safe_load((root / "builder.yaml").read_text())
    spec["budgets"] = budgets
    (root / "builder.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return root


def test_package_sizes_add_up_to_the_virtualenv(docker_client: Any, sample_build: Build) -> None:
    """Two counts that share no code: each distribution's RECORD read inside the image, and the layers' tar entries."""
    measurement, notes = measure_image(docker_client, sample_build[0].image_id)
    packages = measurement.packages
    assert packages is not None, notes
    assert (packages.prefix, packages.virtualenv) == ("/opt/venv", True)
    assert measurement.virtualenv_bytes is not None
    # The rest of a virtualenv is its activate scripts and pyvenv.cfg: a few tens of kB.
    assert 0 <= measurement.virtualenv_bytes - packages.total_bytes < 200_000
    assert packages.unattributed_bytes < 0.01 * packages.total_bytes
    names = {p.name.lower(): p for p in packages.items}
    assert {"flask", "sqlalchemy", "psycopg-binary", "gunicorn", "redis"} <= set(names)
    assert names["flask"].version == "3.1.3"
    assert packages.items[0].name.lower() == "sqlalchemy"  # the largest, with its compiled extensions
    venv_layer = next(layer for layer in measurement.layers if "/opt/venv" in layer.created_by)
    assert venv_layer.size_bytes == measurement.virtualenv_bytes


@pytest.fixture
def wasteful_image(docker_client: Any, python_stand_in: None, tmp_path: Path) -> Iterator[str]:
    """20 MB written and deleted in the next layer; 5 MB written and overwritten with 1 kB in the next layer."""
    (tmp_path / "Dockerfile").write_text(
        "FROM builder-local/python:3.11-slim-bookworm\n"
        "RUN head -c 20000000 /dev/urandom > /big.bin && head -c 5000000 /dev/zero > /over.bin\n"
        "RUN rm /big.bin && head -c 1000 /dev/zero > /over.bin\n")
    cli, tag = find_buildkit_cli(), "builder-report-test/wasteful:latest"
    subprocess.run([*cli.build_argv(), "-q", "-t", tag, str(tmp_path)], env=cli.env(), check=True,
                   capture_output=True, timeout=300)
    try:
        yield tag
    finally:
        with suppress(DockerException):
            docker_client.images.remove(tag)


def test_wasted_bytes_of_an_image_that_deletes_a_large_file(docker_client: Any, wasteful_image: str) -> None:
    measurement, _ = measure_image(docker_client, wasteful_image)
    waste = measurement.waste
    assert waste.wasted_bytes == 25_000_000
    assert [(w.path, w.size_bytes, w.written_in, w.hidden_in) for w in waste.largest[:2]] == [
        ("/big.bin", 20_000_000, 1, 2), ("/over.bin", 5_000_000, 1, 2)]
    assert [layer.wasted_bytes for layer in measurement.layers] == [0, 25_000_000, 0]
    assert waste.efficiency == pytest.approx(1 - 25e6 / waste.layer_bytes)
    assert 0.8 < waste.efficiency < 0.9  # 25 MB of a ~150 MB image
    assert measurement.size_bytes > waste.layer_bytes - waste.wasted_bytes + 20e6  # the deleted bytes still ship


def test_a_budget_below_the_real_size_fails_the_build(docker_client: Any, sample_build: Build, tmp_path: Path,
                                                      history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_copy(tmp_path, {"image_mb": 1})
    tag = "builder-report-test/gradebook:budget"
    try:
        code = main(["--spec", str(root), "build", "--tag", tag])
    finally:
        with suppress(DockerException):
            docker_client.images.remove(tag)
    out = capsys.readouterr().out
    assert code == EXIT_FAILED, out
    assert re.search(r"image_mb: 1\d\d\.\d MB OVER budget 1 MB", out), out
    entries = history_file("gradebook").read_text().splitlines()
    assert len(entries) == 1  # the build was recorded, over budget or not
    assert json.loads(entries[0])["tag"] == tag


def test_report_starts_the_image_alone_and_removes_its_containers(docker_client: Any, sample_build: Build,
                                                                  history: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Start-up and memory need no browser: the report's throwaway containers are gone once it has measured."""
    result, _, root = sample_build
    code = main(["--spec", str(root), "report", "--image", result.image_id, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (EXIT_OK, EXIT_FAILED), report  # the sample's own budgets decide the exit code
    startup = report["startup"]
    assert startup["start_to_healthy_seconds"] > 0 and startup["healthcheck_seconds"] > 0, startup
    assert len([p for p in startup["processes"] if p["role"] == "worker"]) == 2
    assert docker_client.containers.list(all=True, filters={"label": f"{LABEL_PURPOSE}=report"}) == []


@pytest.fixture(scope="session")
def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        reason = "no headless browser: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return found


def rendered_dom(browser: str, page: Path, profile: Path) -> str:
    """The page after its scripts ran, as a real headless browser leaves it."""
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
            "--dump-dom", page.as_uri()]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True).stdout


def test_report_cli_with_budgets_history_and_charts(docker_client: Any, sample_build: Build, tmp_path: Path,
                                                    history: Path, browser: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = sample_build[0]
    record_build(result, docker_client)
    earlier = json.loads(history_file("gradebook").read_text())
    earlier["packages"]["flask"] -= 100_000  # an earlier build of another image, with a smaller flask
    previous = HistoryEntry(**{**earlier, "image_id": "sha256:earlier", "size_bytes": result.size_bytes - 100_000,
                               "build_seconds": 99.0, "when": "2026-01-01T00:00:00Z"})
    lines = history_file("gradebook").read_text()
    history_file("gradebook").write_text(previous.to_json() + "\n" + lines)
    root = spec_copy(tmp_path, {"image_mb": 500, "start_seconds": 0.001})
    page = tmp_path / "report.html"

    code = main(["--spec", str(root), "report", "--image", result.image_id, "--json", "--html", str(page)])

    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_FAILED  # nothing answers within a millisecond
    assert [(b["name"], b["passed"]) for b in report["budgets"]] == [("image_mb", True), ("start_seconds", False)]
    assert report["build_seconds"] == result.seconds
    assert report["startup"]["start_to_healthy_seconds"] > 0
    assert len([p for p in report["startup"]["processes"] if p["role"] == "worker"]) == 2  # workers: 2 in the spec
    assert report["startup"]["worker_rss_bytes"] > 10e6
    changes = {(d["what"], d["name"]): (d["before"], d["after"]) for d in report["deltas"]}
    assert changes[("package", "flask")][1] - changes[("package", "flask")][0] == 100_000
    assert changes[("build_seconds", "build")] == (99.0, result.seconds)
    assert report["previous_image_id"] == "sha256:earlier"

    dom = rendered_dom(browser, page, tmp_path / "profile")
    layers_with_files = sum(1 for layer in report["image"]["layers"] if layer["size_bytes"])
    packages = min(13, len(report["image"]["packages"]["items"]))  # 12 and "N more"
    drawn = dict(re.findall(r'<svg id="chart-([\w-]+)"[^>]*data-drawn="(\d+)"', dom))
    assert drawn == {"layers": str(layers_with_files), "packages": str(packages), "trend-size": "2", "trend-build": "2",
                     "directories": str(len(report["image"]["directories"]))}
    layer_chart = dom.split('id="chart-layers"')[1].split("</svg>")[0]
    # One bar per layer; a layer whose bytes a later one hides gets a second, red rect ("bar hidden") on top.
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"[^>]*class="bar"', layer_chart)]
    assert len(widths) == layers_with_files and max(widths) > 100
