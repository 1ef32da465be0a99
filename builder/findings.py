"""Findings: what lint, scan and doctor report. Expected problems are data, not exceptions.

One list serves every tool (hadolint, trivy, builder's own policy and doctor checks), in three formats: a table for a
terminal, JSON, and SARIF 2.1.0 for code scanning in CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            from builder.errors import BuilderError

            raise BuilderError(f"unknown severity {text!r}",
                               hint=f"use one of {', '.join(s.name.lower() for s in cls)}") from None

    @property
    def sarif_level(self) -> str:
        return {1: "note", 2: "note", 3: "warning", 4: "error", 5: "error"}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem: a stable ID, how bad, where, what, and how to fix it."""

    id: str  # builder's own IDs (e.g. BLD-DF-001) or the tool's (DL3007, DS-0002, CVE-...)
    severity: Severity
    message: str
    fix: str
    file: str | None = None
    line: int | None = None
    source: str = "builder"  # builder | hadolint | trivy | doctor
    also: tuple[str, ...] = ()  # the same problem as other tools name it, after de-duplication
    suppressed: str | None = None  # the reason, when the spec's `ignore:` list acknowledges it
    help_uri: str | None = None  # the tool's page about the rule, when it has one

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or "-"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.name.lower()
        data["also"] = list(self.also)
        return data


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The worst severity among the findings nobody acknowledged."""
    return max((f.severity for f in findings if not f.suppressed), default=None)


def active(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.suppressed]


def fails(findings: Iterable[Finding], threshold: Severity) -> bool:
    """Whether any finding is at or above the --fail-on threshold."""
    top = worst(findings)
    return top is not None and top >= threshold


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by place, so a table reads top-down."""
    return sorted(findings, key=lambda f: (-f.severity, f.file or "", f.line or 0, f.id))


def table(every: list[Finding]) -> str:
    """Worst first, each with its fix; findings the spec ignores are counted, not shown."""
    findings = active(every)
    ignored = f"; {len(every) - len(findings)} ignored (builder.yaml `ignore:`)" if len(every) > len(findings) else ""
    if not findings:
        return "no findings" + ignored
    width = max(12, *(len(f.id) for f in findings))  # DOC-BUDGET-001 is wider than DL3007
    pad = " " * (width + 10)
    rows = [f"{f.severity.name:<8} {f.id:<{width}} {f.where():<32} {f.message}\n{pad}fix: {f.fix}"
            + (f"\n{pad}also: {', '.join(f.also)}" if f.also else "") for f in sort_findings(findings)]
    counts = ", ".join(f"{sum(1 for f in findings if f.severity == s)} {s.name.lower()}"
                       for s in reversed(Severity) if any(f.severity == s for f in findings))
    return "\n".join([*rows, f"{len(findings)} finding(s): {counts}{ignored}"])


def to_json(findings: list[Finding], *, notes: Sequence[str] = ()) -> str:
    """{"findings": [...]}, plus "notes" (what was skipped and why) when there are any."""
    document: dict[str, Any] = {"findings": [f.to_dict() for f in sort_findings(findings)]}
    if notes:
        document["notes"] = list(notes)
    return json.dumps(document, indent=2)
