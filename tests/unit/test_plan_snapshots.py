"""The plan is what every later stage reads, so it is snapshot-tested per example, as the generated files are.

Refresh after an intended change: `.venv/bin/builder --spec DIR plan --json > tests/plans/NAME.json`, and review.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = [REPO / "app_sample", *sorted(p.parent for p in (REPO / "tests" / "golden").glob("*/builder.yaml"))]


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_plan_json_matches_its_snapshot(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(root), "plan", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    snapshot = json.loads((REPO / "tests" / "plans" / f"{root.name}.json").read_text())
    assert printed == snapshot, f"plan of {root.name} changed: refresh tests/plans/{root.name}.json and review"


def test_every_example_has_a_snapshot() -> None:
    names = {p.stem for p in (REPO / "tests" / "plans").glob("*.json")}
    assert names == {root.name for root in EXAMPLES}
