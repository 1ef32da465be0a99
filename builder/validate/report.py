"""What `builder validate` found: one Check per probe, the service images used, and the app's last log lines."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Check:
    """One probe of the running app: what was expected, what was seen, and how long it took."""

    name: str
    passed: bool
    expected: str
    seen: str
    seconds: float | None = None
    skipped: bool = False  # not run, because an earlier check it depends on failed
    figures: dict[str, Any] | None = None  # what a load check measured (requests/s, latencies, memory, connections)

    @property
    def failed(self) -> bool:
        return not self.passed and not self.skipped

    @property
    def verdict(self) -> str:
        return "SKIP" if self.skipped else "PASS" if self.passed else "FAIL"


def skipped(name: str, expected: str, reason: str) -> Check:
    """A check that was not run, and why."""
    return Check(name, passed=False, expected=expected, seen=f"not run: {reason}", skipped=True)


@dataclass(frozen=True)
class ServiceUsed:
    """Which image served a declared service: the official one, or a local stand-in (and how it differs)."""

    kind: str
    requested: str
    image: str
    stand_in: bool
    mismatch: str = ""  # e.g. "postgres 16 requested, stand-in is 15"

    def describe(self) -> str:
        if not self.stand_in:
            return self.image
        return f"{self.image}  STAND-IN for {self.requested}" + (f" ({self.mismatch})" if self.mismatch else "")


@dataclass(frozen=True)
class ValidationReport:
    """Every check of one validation run, in the order they ran."""

    app: str
    image: str
    mode: Literal["containers", "compose"]
    port: int
    services: list[ServiceUsed]
    checks: list[Check]
    app_log: list[str] = field(default_factory=list)  # the app's last lines, kept when a check failed
    seconds: float = 0.0
    strict: bool = False  # --strict: a warning (a stand-in of another major version) fails the run

    @property
    def warnings(self) -> list[str]:
        """What a pass did not prove as asked: a service that ran as a stand-in of another version."""
        return [f"{s.kind}: {s.mismatch}; the app was not validated against the version it asks for"
                for s in self.services if s.stand_in and s.mismatch]

    @property
    def passed(self) -> bool:
        proven = bool(self.checks) and not any(check.failed for check in self.checks)
        return proven and not (self.strict and self.warnings)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.failed]

    @property
    def skips(self) -> list[Check]:
        return [check for check in self.checks if check.skipped]

    @property
    def verdict(self) -> str:
        """passed | passed with skips | passed with warnings | failed: a partial pass never reads as a full one."""
        if not self.passed:
            return "failed"
        return "passed with skips" if self.skips else "passed with warnings" if self.warnings else "passed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["verdict"] = self.verdict
        data["skipped"] = [check.name for check in self.skips]
        data["warnings"] = self.warnings
        for check, raw in zip(self.checks, data["checks"], strict=True):
            raw["verdict"] = check.verdict.lower()
            if check.figures is None:
                del raw["figures"]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def report_table(report: ValidationReport) -> str:
    """The report for a terminal: services, one row per check, the load figures, then each failure in full with the
    app's log."""
    lines = [f"validate {report.app}: image {report.image}, {report.mode}, PORT={report.port}"]
    lines += [f"  {service.kind:<9} {service.describe()}" for service in report.services]
    width = max((len(check.name) for check in report.checks), default=10)
    for check in report.checks:
        took = f"{check.seconds:6.1f} s" if check.seconds is not None else " " * 8
        lines.append(f"{check.verdict}  {check.name:<{width}}  {took}  {_first_line(check.seen)}")
    measured = [check for check in report.checks if check.figures is not None]
    if measured:
        lines += ["", "under load:", *(f"  {check.name}: {_indent(check.seen)}" for check in measured)]
    for check in report.failures:
        lines += ["", f"FAILED: {check.name}", f"  expected: {check.expected}", f"  seen:     {_indent(check.seen)}"]
    if report.failures and report.app_log:
        lines += ["", "last lines of the app's log:", *(f"  | {line}" for line in report.app_log)]
    warned = [f"WARNING: {warning}" for warning in report.warnings]
    return "\n".join([*lines, "", *warned, f"{_verdict(report)} in {report.seconds:.0f} s"])


def _verdict(report: ValidationReport) -> str:
    failed, skips, total = len(report.failures), len(report.skips), len(report.checks)
    if failed or not report.checks:
        return f"{failed} of {total} checks failed"
    if report.strict and report.warnings:
        return f"FAILED under --strict: {len(report.warnings)} warning(s)"
    parts = [f"{skips} of {total} checks SKIPPED (not proven): " + ", ".join(c.name for c in report.skips)] \
        if skips else []
    if report.warnings:
        parts.append(f"{len(report.warnings)} warning(s) (--strict fails on them)")
    return "passed with " + " and ".join(parts) if parts else "all checks passed"


def _first_line(text: str, limit: int = 90) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _indent(text: str) -> str:
    return "\n            ".join(text.strip().splitlines())
