"""Doctor on seeded pitfalls: each case under tests/fixtures/doctor/cases yields exactly the findings it expects.

See tests/fixtures/doctor/README.md for the layout of a case.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder import doctor
from builder.doctor import diagnose, gather, rules
from builder.findings import Finding, table, to_json
from builder.project import load_project
from builder.sarif import locator, to_sarif

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "doctor"
CASES = sorted(p.name for p in (FIXTURES / "cases").iterdir() if (p / "case.yaml").is_file())
SAMPLE = Path(__file__).resolve().parents[2] / "app_sample"


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`patch` deep-merged into `base`; a None value removes the key."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def prepare(case: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The base app with the case laid over it, in a temp dir; and the case's description."""
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "base", root)
    case_dir = FIXTURES / "cases" / case
    description = yaml.safe_load((case_dir / "case.yaml").read_text()) or {}
    spec = merge(yaml.safe_load((root / "builder.yaml").read_text()), description.get("spec") or {})
    (root / "builder.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    for path in case_dir.iterdir():
        if path.name != "case.yaml":
            shutil.copy(path, root / path.name)
    return root, description


def run(root: Path, environ: dict[str, str] | None = None) -> list[Finding]:
    return diagnose(gather(load_project(root), environ=environ or {}))


def where(f: Finding) -> str | None:
    if f.file is None:
        return None
    return f"{f.file}:{f.line}" if f.line else f.file


@pytest.mark.parametrize("case", CASES)
def test_case_yields_exactly_its_findings(case: str, tmp_path: Path) -> None:
    root, description = prepare(case, tmp_path)
    found = run(root, description.get("environ"))
    expected = description.get("expect") or []
    assert sorted((f.id, where(f) or "") for f in found) == sorted((e["id"], e["where"] or "") for e in expected), \
        table(found)
    for e in expected:
        match = next(f for f in found if (f.id, where(f)) == (e["id"], e["where"]))
        assert e["message"] in match.message
        assert e.get("fix", "") in match.fix
        assert match.source == "doctor"


@pytest.mark.parametrize("case", [c for c in CASES if "never" in (yaml.safe_load(
    (FIXTURES / "cases" / c / "case.yaml").read_text()) or {})])
def test_secrets_never_reach_any_output(case: str, tmp_path: Path) -> None:
    root, description = prepare(case, tmp_path)
    found = run(root, description.get("environ"))
    assert found, "the case should report something"
    for text in (table(found), to_json(found), to_sarif(found, where=locator(base=root))):
        for secret in description["never"]:
            assert secret not in text


def test_base_fixture_is_clean(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "base", tmp_path / "app")
    assert run(tmp_path / "app") == []


def test_app_sample_and_its_generated_files_are_clean() -> None:
    assert run(SAMPLE) == []


def test_every_finding_doctor_can_report_has_a_case() -> None:
    """Every ID in doctor's source has a case that triggers it; the image checks are integration tests."""
    source = "".join(p.read_text() for p in Path(doctor.__file__).parent.glob("*.py"))
    ids = set(re.findall(r'"(DOC-[A-Z]+-\d{3})"', source)) - {"DOC-FILES-003", "DOC-FILES-004"}
    exercised = {e["id"] for case in CASES
                 for e in yaml.safe_load((FIXTURES / "cases" / case / "case.yaml").read_text()).get("expect") or []}
    assert len(ids) >= 30
    assert ids <= exercised, sorted(ids - exercised)


def test_every_rule_has_one_home_and_a_check_that_uses_it() -> None:
    """IDs and severities are written in rules.py only; each rule there is used by some check."""
    checks = {p.name: p.read_text() for p in Path(doctor.__file__).parent.glob("*.py") if p.name != "rules.py"}
    written_inline = {name for name, text in checks.items() if re.search(r'"DOC-[A-Z]+-\d{3}"', text)}
    assert written_inline == set()
    names = {name for name, value in vars(rules).items() if isinstance(value, rules.Rule)}
    assert len(names) == len(rules.RULES), "two rules share an ID"
    used = {name for name in names if any(f"rules.{name}." in text for text in checks.values())}
    assert used == names, sorted(names - used)
