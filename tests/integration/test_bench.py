"""The benchmark harness in its quick mode (one repetition), run as `make bench` runs it, so that it cannot rot.

No assertion on any time: only that every variant was built, measured and reported.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VARIANTS = ("(a) naive", "(b) docker init", "(c) builder", "(d) distroless", "(e) traced", "(f) traced, bytecode only")
METRICS = ("image size", "cold build (no layer cached)", "rebuild after a one-line code change",
           "rebuild after a dependency change", "start to healthy (first 2xx on /health)")


def test_quick_bench_builds_measures_and_reports_every_variant(docker_client: Any, python_stand_in: None,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench.py"), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=1800, env=os.environ.copy(), check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    printed = done.stdout
    against_c = r"[\d.]+ (MB|s) \([\d.]+x\)"  # a median, and its multiple of (c)'s
    for metric in METRICS:
        line = rf"^{re.escape(metric)}\s+{against_c}\s+{against_c}\s+[\d.]+ (MB|s)(\s+{against_c}){{3}}$"
        assert re.search(line, printed, re.MULTILINE), printed
    assert re.search(r"^lint findings \(hadolint\)(\s+\d+){6}$", printed, re.MULTILINE), printed

    results = out.read_text()
    assert "1 repetition(s)" in results
    assert "| engine | Docker " in results
    rows = [line for line in results.splitlines() if re.match(r"\| 1 \| \(\w\) ", line)]
    assert [next(v for v in VARIANTS if v in row) for row in rows] == list(VARIANTS)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 2 + len(METRICS)
        assert all(float(cell.split()[0]) > 0 for cell in cells[2:]), row
    # The naive image carries compilers and the full base: it is the biggest; each profile is smaller than the last.
    sizes = [float(row.split("|")[3].split()[0]) for row in rows]
    assert sizes[0] == max(sizes)
    assert sizes[2] > sizes[3] > sizes[4] > sizes[5], sizes
    assert "## Goals for (c)" in results
    assert "- (c) builder:" in results  # its lint findings, listed (or "none")
