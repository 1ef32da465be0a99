"""One list from many tools: when hadolint, trivy and builder report the same problem at the same place, keep one.

"The same problem" is what rules.py says: a builder rule lists the other tools' IDs for it, and TOOL_ALIASES pairs
two tools' IDs that builder has no rule for. The kept finding is
builder's when builder reported it (else the first tool's), at the worst severity any of them gave, with the other
IDs in `also`. Findings no rule connects are all kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from builder.findings import Finding
from builder.quality.rules import RULES, Rule, alias_group, builder_rule_for


def merge(*sources: Iterable[Finding]) -> list[Finding]:
    """Findings from each source (builder's first), de-duplicated, in their original order."""
    kept: list[Finding] = []
    for finding in (f for source in sources for f in source):
        index = _same_problem(kept, finding)
        if index is None:
            kept.append(finding)
        else:
            kept[index] = _absorb(kept[index], finding)
    return kept


def _meaning(finding: Finding) -> Rule | tuple[str, ...] | None:
    if finding.source == "builder":
        return RULES.get(finding.id)
    return builder_rule_for(finding.id) or alias_group(finding.id)


def _same_problem(kept: list[Finding], finding: Finding) -> int | None:
    meaning = _meaning(finding)
    if meaning is None:
        return None
    for index, other in enumerate(kept):
        if other.id == finding.id and other.source == finding.source:
            continue  # one tool naming one problem twice means two places (two secrets on one ENV line)
        whole_file = isinstance(meaning, Rule) and meaning.whole_file
        same_place = whole_file or other.line is None or finding.line is None or other.line == finding.line
        if _meaning(other) == meaning and other.file == finding.file and same_place:
            return index
    return None


def _absorb(kept: Finding, duplicate: Finding) -> Finding:
    also = tuple(dict.fromkeys([*kept.also, duplicate.id, *duplicate.also]))
    return replace(kept, severity=max(kept.severity, duplicate.severity), also=tuple(i for i in also if i != kept.id))
