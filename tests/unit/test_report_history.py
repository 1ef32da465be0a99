"""The build history: where it lives, what a line holds, and the change against the previous build."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.bases import ResolvedBase
from builder.build import BuildResult, Layer
from builder.report.history import (
    HistoryEntry,
    append,
    deltas,
    entry_for_build,
    history_dir,
    history_file,
    instruction,
    load,
    this_and_previous,
    trend,
)
from builder.report.model import Packages, PackageSize

BASE_LAYER = {"created_by": "", "size_bytes": 120_000_000}
VENV = "COPY /opt/venv /opt/venv # buildkit"


def entry(image: str, *, size: int = 180_000_000, seconds: float | None = 10.0, venv: int = 57_000_000,
          packages: dict[str, int] | None = None) -> HistoryEntry:
    layers = [BASE_LAYER, {"created_by": "ENV A=1", "size_bytes": 0}, {"created_by": VENV, "size_bytes": venv}]
    return HistoryEntry("2026-01-01T00:00:00Z", "gradebook", "gradebook:latest", image, size, seconds, layers,
                        packages)


def test_history_dir_override_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BUILDER_HISTORY_DIR", str(tmp_path / "mine"))
    assert history_file("gradebook") == tmp_path / "mine" / "gradebook.jsonl"
    monkeypatch.delenv("BUILDER_HISTORY_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert history_dir() == tmp_path / "state" / "builder" / "history"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert history_dir() == Path.home() / ".local" / "state" / "builder" / "history"


def test_entries_round_trip_and_unreadable_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "gradebook.jsonl"
    assert load(path) == ([], 0)
    append(path, entry("sha256:a", packages={"flask": 700_000}))
    with path.open("a") as handle:
        handle.write('{"half a line\n\n')
    append(path, entry("sha256:b"))
    entries, bad = load(path)
    assert [e.image_id for e in entries] == ["sha256:a", "sha256:b"]
    assert entries[0] == entry("sha256:a", packages={"flask": 700_000})
    assert bad == 1


def test_a_build_result_becomes_an_entry_with_package_sizes() -> None:
    result = BuildResult("gradebook", "gradebook:latest", "sha256:c", "Dockerfile",
                         ResolvedBase("python:3.11-slim-bookworm", "builder-local/python:3.11-slim-bookworm", True, ""),
                         "docker", 12.5, 182_000_000, [Layer("", 125_000_000), Layer(VENV, 57_000_000)])
    packages = Packages("/opt/venv/bin/python3", "/opt/venv", True,
                        [PackageSize("SQLAlchemy", "2.1.9", 28_000_000, "/opt/venv/lib/python3.11/site-packages")], 0)
    made = entry_for_build(result, packages, when="2026-01-02T00:00:00Z")
    assert (made.image_id, made.size_bytes, made.build_seconds) == ("sha256:c", 182_000_000, 12.5)
    assert made.layers[1] == {"created_by": VENV, "size_bytes": 57_000_000}
    assert made.packages == {"sqlalchemy": 28_000_000}
    assert made.base == "builder-local/python:3.11-slim-bookworm"


def test_the_previous_build_is_the_last_other_image_before_this_one() -> None:
    entries = [entry("sha256:a"), entry("sha256:b"), entry("sha256:b"), entry("sha256:c")]
    this, previous = this_and_previous(entries, "sha256:b")
    assert this is entries[2]
    assert previous is entries[0]
    this, previous = this_and_previous(entries, "sha256:unbuilt")
    assert this is None
    assert previous is entries[3]
    assert this_and_previous([entry("sha256:a")], "sha256:a") == (entries[0], None)


def test_deltas_name_what_changed_and_leave_out_what_did_not() -> None:
    before = entry("sha256:a", seconds=10.0, packages={"flask": 700_000, "six": 50_000, "redis": 5_000_000})
    after = entry("sha256:b", size=181_000_000, seconds=7.5, venv=58_000_000,
                  packages={"flask": 700_000, "redis": 5_900_000, "iniconfig": 20_000})
    found = {(d.what, d.name): (d.before, d.after) for d in deltas(after, before)}
    assert found == {
        ("size", "image"): (180_000_000, 181_000_000),
        ("build_seconds", "build"): (10.0, 7.5),
        ("layer", "COPY /opt/venv /opt/venv"): (57_000_000, 58_000_000),
        ("package", "redis"): (5_000_000, 5_900_000),
        ("package", "six"): (50_000, None),
        ("package", "iniconfig"): (None, 20_000),
    }


def test_no_package_deltas_when_either_build_lacks_them() -> None:
    found = deltas(entry("sha256:b", packages={"flask": 1}), entry("sha256:a", packages=None))
    assert [d.what for d in found] == []


@pytest.mark.parametrize(("created_by", "shown"), [
    ("RUN |1 PYTHON_BASE=builder-local/python:3.11-slim-bookworm /bin/sh -c groupadd app # buildkit",
     "RUN groupadd app"),
    ("/bin/sh -c #(nop) WORKDIR /app", "WORKDIR /app"),
    ("/bin/sh -c pip install -r requirements.txt", "RUN pip install -r requirements.txt"),
    ("COPY . /app # buildkit", "COPY . /app"),
    ("", "(base image)"),
])
def test_instruction_reads_as_the_dockerfile_line(created_by: str, shown: str) -> None:
    assert instruction(created_by) == shown


def test_trend_keeps_the_latest_points() -> None:
    entries = [entry(f"sha256:{i}", size=i, seconds=None) for i in range(40)]
    points = trend(entries, points=30)
    assert [p.size_bytes for p in points] == list(range(10, 40))
    assert points[0].build_seconds == 0.0
