"""The report's smaller parts: process roles, budgets, the scratch changes, package output, the full stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.bases import SUITES, full_python_base, python_base
from builder.build import check_budgets
from builder.cli import EXIT_USER_ERROR, main
from builder.errors import BuilderError
from builder.project import load_project
from builder.report.measure import standalone_env
from builder.report.packages import parse_packages
from builder.report.rebuilds import TIMING_ARG, code_file_of, extra_dependency, timing_dockerfile
from builder.report.runtime import classify
from builder.standins import _mmdebstrap_argv, _recipe

GUNICORN = ["/opt/venv/bin/python", "/opt/venv/bin/gunicorn", "--config", "/app/gunicorn.conf.py", "app:app"]


def row(pid: int, ppid: int, argv: list[str], rss: int = 1000, pss: int | None = 500) -> dict[str, object]:
    return {"pid": pid, "ppid": ppid, "argv": argv, "rss": rss, "pss": pss}


def test_gunicorn_master_and_workers_are_told_apart() -> None:
    processes = classify([row(8, 1, GUNICORN, 3000), row(1, 0, GUNICORN), row(7, 1, GUNICORN, 2000, None)])
    assert [(p.pid, p.role, p.rss_bytes, p.pss_bytes) for p in processes] == [
        (1, "master", 1000, 500), (7, "worker", 2000, None), (8, "worker", 3000, 500)]


def test_a_shell_in_front_of_gunicorn_is_not_its_master() -> None:
    """`CMD gunicorn ...` (shell form) runs /bin/sh -c "gunicorn ..." as PID 1."""
    shell = ["/bin/sh", "-c", "gunicorn 'app:app' --bind=0.0.0.0:8000"]
    found = classify([row(1, 0, shell), row(6, 1, ["/usr/local/bin/python", "/usr/local/bin/gunicorn", "app:app"]),
                      row(9, 6, ["/usr/local/bin/python", "-m", "gunicorn", "app:app"])])
    assert [p.role for p in found] == ["process", "master", "worker"]


def test_budgets_cover_size_build_and_start_and_skip_what_was_not_measured() -> None:
    budgets = {"image_mb": 100.0, "build_seconds": 60.0, "start_seconds": 2.0}
    checks = check_budgets(budgets, size_bytes=182_300_000, seconds=None, start_seconds=1.2)
    assert [(c.name, c.passed) for c in checks] == [("image_mb", False), ("start_seconds", True)]
    assert checks[0].describe() == "image_mb: 182.3 MB OVER budget 100 MB"
    never = check_budgets({"start_seconds": 2.0}, size_bytes=1, seconds=1.0, start_seconds=float("inf"))
    assert not never[0].passed


def test_the_code_change_goes_into_the_app_module(sample_copy: Path) -> None:
    plan = load_project(sample_copy).plan
    assert code_file_of(plan, sample_copy) == sample_copy / "gradebook" / "wsgi.py"
    (sample_copy / "gradebook" / "wsgi.py").unlink()
    with pytest.raises(BuilderError, match=r"cannot find the app module gradebook\.wsgi:app"):
        code_file_of(plan, sample_copy)


def test_the_dependency_change_is_new_and_hashed_when_the_file_is() -> None:
    assert extra_dependency("flask==3.1.3\n") == "iniconfig==2.1.0"
    assert extra_dependency("iniconfig==2.0.0\n") == "six==1.17.0"
    hashed = extra_dependency("flask==3.1.3 \\\n    --hash=sha256:0ef0\n")
    assert hashed.startswith("iniconfig==2.1.0 --hash=sha256:9deba572")
    assert hashed.count("--hash=sha256:") == 2


def test_package_output_is_read_from_its_last_line() -> None:
    data = {"python": "/opt/venv/bin/python3", "prefix": "/opt/venv", "virtualenv": True, "unattributed_bytes": 7,
            "packages": [{"name": "small", "version": "1", "size_bytes": 10, "location": "/s"},
                         {"name": "Big", "version": "2", "size_bytes": 900, "location": "/s"}]}
    packages = parse_packages("sitecustomize says hello\n" + json.dumps(data) + "\n")
    assert [p.name for p in packages.items] == ["Big", "small"]
    assert packages.total_bytes == 917


def test_the_full_python_stand_in_has_compilers_and_docs_and_the_slim_one_is_unchanged() -> None:
    slim, full = python_base("3.11"), full_python_base("3.11")
    assert (full.official, full.stand_in) == ("python:3.11-bookworm", "builder-local/python:3.11-bookworm")
    suite = next(s for s in SUITES if s.name == "bookworm")
    full_argv = _mmdebstrap_argv(_recipe("python", full, suite), "bookworm", [], Path("out.tar"))
    slim_argv = _mmdebstrap_argv(_recipe("python", slim, suite), "bookworm", [], Path("out.tar"))
    assert "build-essential" in next(a for a in full_argv if a.startswith("--include="))
    assert not [a for a in full_argv if a.startswith("--dpkgopt=path-exclude")]
    assert any("EXTERNALLY-MANAGED" in a for a in full_argv)
    assert "--include=python3,python3-venv,ca-certificates,tzdata,netbase" in slim_argv
    assert "--dpkgopt=path-exclude=/usr/share/doc/*" in slim_argv


def test_timing_dockerfile_declares_the_run_in_every_stage() -> None:
    text = ("ARG PYTHON_BASE=python:3.11-slim\nFROM ${PYTHON_BASE} AS builder\nRUN make\n"
            "from \\\n  base AS runtime\nCOPY . /app\n")
    assert timing_dockerfile(text, "abc123").splitlines() == [
        "ARG PYTHON_BASE=python:3.11-slim", "FROM ${PYTHON_BASE} AS builder", f"ARG {TIMING_ARG}=abc123", "RUN make",
        "from \\", "  base AS runtime", f"ARG {TIMING_ARG}=abc123", "COPY . /app"]


def test_an_app_started_alone_gets_the_spec_environment_with_services_pointing_nowhere(sample_copy: Path) -> None:
    env = standalone_env(load_project(sample_copy).plan)
    assert env["LOG_LEVEL"] == "info"
    assert env["DATABASE_URL"].startswith("postgresql://") and ":9/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://127.0.0.1:9/0"


def test_report_refuses_an_html_path_it_cannot_write_before_measuring(sample_copy: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--spec", str(sample_copy), "report", "--html", str(tmp_path / "missing" / "report.html")])
    assert code == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert f"error: cannot write the HTML report to {tmp_path / 'missing' / 'report.html'}" in err
    assert "hint: create the directory first" in err


def test_an_unrecorded_image_with_recorded_builds_of_its_tag_says_both(tmp_path: Path) -> None:
    from builder.report import history
    from builder.report.measure import _notes

    earlier = history.HistoryEntry("2026-01-01T00:00:00Z", "app", "app:latest", "sha256:aa", 1, 2.0, [])
    [note, _] = _notes(None, None, None, 0, tmp_path / "h.jsonl", timed=False, recorded=[earlier, earlier])
    assert note.startswith(f"this image's build is not recorded in {tmp_path / 'h.jsonl'} (2 earlier build(s) of")
    [alone, _] = _notes(None, None, None, 0, tmp_path / "h.jsonl", timed=False, recorded=[])
    assert "earlier build" not in alone


def test_layer_bars_carry_the_bytes_a_later_layer_hides() -> None:
    from builder.report.html import chart_data
    from tests.unit.test_report_formats import sample_report

    layers = chart_data(sample_report())["layers"]
    assert [layer["hidden"] for layer in layers] == [3384, 0, 0]  # LayerSize(index, instruction, bytes, files, hidden)
