"""What every doctor check shares: where a finding points, and how one is made."""

from __future__ import annotations

from dataclasses import dataclass

from builder.findings import Finding, Severity

SOURCE = "doctor"


@dataclass(frozen=True)
class Where:
    """A place in the user's files: a file relative to the spec's directory and a line, or nowhere in particular."""

    file: str | None = None
    line: int | None = None


NOWHERE = Where()


def finding(id_: str, severity: Severity, message: str, fix: str, where: Where = NOWHERE) -> Finding:
    """One doctor finding at `where`."""
    return Finding(id=id_, severity=severity, message=message, fix=fix, file=where.file, line=where.line,
                   source=SOURCE)
