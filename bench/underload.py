"""`bench.py --load`: builder's image of app_sample through `validate --load`, and its figures as Markdown.

The load checks' own cost is timed from the moment validate starts the steady load to its return (the containers
removed), so the ordinary checks before it do not count.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.build import build_image
from builder.errors import BuilderError
from builder.project import load_project
from builder.validate.report import ValidationReport
from builder.validate.runner import validate_image

FIRST_LOAD_CHECK = "checking steady load"


@dataclass(frozen=True)
class LoadRun:
    report: ValidationReport
    load_seconds: float  # from the steady load's start to validate's return


def measure_load(client: Any, sample: Path, *, ca_cert: Path | None) -> LoadRun:
    """Build app_sample as builder does, then validate it under load; a failed check is an error here."""
    with tempfile.TemporaryDirectory(prefix="builder-bench-load-") as tmp:
        root = Path(tmp) / "app"
        shutil.copytree(sample, root, ignore=shutil.ignore_patterns("__pycache__"))
        plan = load_project(root).plan
        tag = "builder-bench/load:latest"
        build_image(plan, root, client, tag=tag, ca_cert=ca_cert)
        try:
            started: list[float] = []
            report = validate_image(plan, tag, client, load=True, on_progress=lambda line: _note(line, started))
            ended = time.monotonic()
        finally:
            client.images.remove(tag, force=True)
    if not report.passed or not started:
        failed = ", ".join(check.name for check in report.failures) or "no load check ran"
        raise BuilderError(f"app_sample failed validate --load: {failed}",
                           hint="run `builder --spec app_sample validate --load` to see why")
    return LoadRun(report, round(ended - started[0], 1))


def _note(line: str, started: list[float]) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)
    if line == FIRST_LOAD_CHECK:
        started.append(time.monotonic())


def load_markdown(run: LoadRun) -> str:
    """The figures of each load check, one table, and what the run cost."""
    figures = {check.name: check.figures or {} for check in run.report.checks}
    steady, memory = figures["steady load"], figures["memory under load"]
    cap, slow, stop = figures["connections under load"], figures["worker timeout"], figures["SIGTERM under load"]
    rows = [
        ("clients x seconds", f"{steady['concurrency']} x {steady['duration_seconds']:g} s"),
        ("requests, requests/s", f"{steady['requests']}, {steady['requests_per_s']:.0f}/s"),
        ("p50 / p95 / p99", f"{steady['p50_ms']:.0f} / {steady['p95_ms']:.0f} / {steady['p99_ms']:.0f} ms"),
        ("errors by status", _counts(steady["errors"])),
        ("resident memory per worker, before", _per_worker(memory["before_mb"])),
        ("resident memory per worker, after", _per_worker(memory["after_mb"])),
        ("largest growth of a worker (budget)", f"{memory['growth_mb']:+.1f} MB ({memory['budget_mb']:g} MB)"),
        ("peak Postgres connections (budget, max_connections)",
         f"{cap['peak']} ({cap['budget']}, {cap['max_connections']}); {cap['refused']} refused"),
        ("request slower than server.timeout",
         f"{slow.get('slow_outcome', 'not run')} after {slow.get('slow_seconds', 0):.1f} s; "
         f"{slow.get('others_failed', 0)} of {slow.get('others', 0)} others failed" if slow else "not run"),
        ("SIGTERM under load", f"exit {stop['exit_code']} after {stop['exit_seconds']:.1f} s; "
                               f"{stop['in_flight_failed']} of {stop['in_flight']} in flight failed; "
                               f"{stop['refused_after']} refused after"),
        ("the load checks' wall time", f"{run.load_seconds:.1f} s (all of validate: {run.report.seconds:.0f} s)"),
    ]
    lines = ["## Under load: (c) through `builder validate --load`", "| figure | value |", "|---|---|"]
    return "\n".join([*lines, *(f"| {name} | {value} |" for name, value in rows)]) + "\n"


def _counts(errors: dict[str, int]) -> str:
    return ", ".join(f"{n} x {kind}" for kind, n in sorted(errors.items())) or "none"


def _per_worker(memory: dict[str, float]) -> str:
    return ", ".join(f"{mb:.1f} MB" for _, mb in sorted(memory.items())) or "not read"
