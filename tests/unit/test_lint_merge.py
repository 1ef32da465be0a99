"""One list from three tools: de-duplication by the rule table, and the rule table itself."""

from __future__ import annotations

import re

from builder.findings import Finding, Severity
from builder.quality.merge import merge
from builder.quality.rules import RULES, rule


def tool(finding_id: str, line: int | None, *, source: str = "hadolint", file: str = "Dockerfile",
         severity: Severity = Severity.LOW) -> Finding:
    return Finding(id=finding_id, severity=severity, message="m", fix="f", file=file, line=line, source=source)


def own(rule_id: str, line: int | None, *, file: str = "Dockerfile") -> Finding:
    return rule(rule_id).finding(file=file, line=line)


def test_same_problem_same_place_becomes_one_finding_at_the_worst_severity() -> None:
    merged = merge([own("BLD-DF-005", 4)], [tool("DL3020", 4, severity=Severity.HIGH)],
                   [tool("DS-0005", 4, source="trivy")])
    assert [(f.id, f.also, f.severity) for f in merged] == [("BLD-DF-005", ("DL3020", "DS-0005"), Severity.HIGH)]


def test_same_problem_elsewhere_stays_apart() -> None:
    merged = merge([own("BLD-DF-005", 4)], [tool("DL3020", 9)], [tool("DL3020", 4, file="other/Dockerfile")])
    assert [(f.id, f.line, f.also) for f in merged] == [("BLD-DF-005", 4, ()), ("DL3020", 9, ()), ("DL3020", 4, ())]


def test_a_whole_file_problem_folds_in_wherever_the_tool_put_it() -> None:
    merged = merge([own("BLD-DF-003", 12)], [tool("DL3057", 1)], [tool("DS-0026", None, source="trivy")])
    assert [(f.id, f.line, f.also) for f in merged] == [("BLD-DF-003", 12, ("DL3057", "DS-0026"))]


def test_two_tools_agreeing_without_builder_still_merge() -> None:
    merged = merge([], [tool("DL3015", 3)], [tool("DS-0029", 3, source="trivy")])
    assert [(f.id, f.also) for f in merged] == [("DL3015", ("DS-0029",))]


def test_one_tool_reporting_one_rule_twice_on_a_line_keeps_both() -> None:
    merged = merge([own("BLD-DF-007", 2), own("BLD-DF-007", 2)])
    assert len(merged) == 2


def test_unknown_tool_ids_pass_through() -> None:
    merged = merge([own("BLD-DF-001", 1)], [tool("SC2086", 3), tool("DL3059", 5)])
    assert [f.id for f in merged] == ["BLD-DF-001", "SC2086", "DL3059"]


def test_rule_ids_are_stable_in_shape_and_every_tool_id_means_one_rule() -> None:
    assert all(re.fullmatch(r"BLD-(DF|CO|IM)-\d{3}", rule_id) for rule_id in RULES)
    tool_ids = [tool_id for r in RULES.values() for tool_id in r.same_as]
    assert len(tool_ids) == len(set(tool_ids))
    assert all(r.message and r.fix for r in RULES.values())
