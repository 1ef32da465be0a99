"""What every doctor check shares: where a finding points (a finding is made from its rule, rules.py)."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "doctor"


@dataclass(frozen=True)
class Where:
    """A place in the user's files: a file relative to the spec's directory and a line, or nowhere in particular."""

    file: str | None = None
    line: int | None = None


NOWHERE = Where()
