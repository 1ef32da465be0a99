"""What intake finds: a value for one spec field, the evidence for it, and what the spec cannot say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """Where a value came from: a file of the app, the line, and the words on it."""

    file: str  # relative to the app's directory
    line: int | None = None
    text: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text}


@dataclass(frozen=True)
class Found:
    """A decided value for one spec field (a dotted path such as `app.module` or `env.DATABASE_URL`)."""

    field: str
    value: Any
    evidence: tuple[Evidence, ...] = ()
    guess: bool = False  # nothing in the app says so: a default builder chose, to be checked
    note: str = ""  # why, when the evidence alone does not say

    def comment(self) -> str:
        where = ", ".join(e.where() for e in self.evidence[:3])
        words = [("guess" + (f" from {where}" if where else "")) if self.guess else where, self.note]
        return "; ".join(w for w in words if w)

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "guess": self.guess, "note": self.note,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class Unexpressed:
    """Something the app needs that builder.yaml has no field for yet."""

    what: str
    evidence: tuple[Evidence, ...] = ()

    def comment(self) -> str:
        where = ", ".join(e.where() for e in self.evidence[:3])
        return self.what + (f" ({where})" if where else "")

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "evidence": [e.to_dict() for e in self.evidence]}


Detection = Found | Unexpressed
# Fields under this prefix are what a detector learnt for later ones (the settings module, the start command);
# they are not spec fields and are never written to builder.yaml.
FACT = "fact."


@dataclass(frozen=True)
class Intake:
    """Everything the detectors found, in the order they found it."""

    root: str
    found: tuple[Found, ...] = ()
    unexpressed: tuple[Unexpressed, ...] = ()

    def get(self, name: str) -> Found | None:
        """The last value found for a field: a later, stronger source overrides an earlier one."""
        return next((f for f in reversed(self.found) if f.field == name), None)

    def value(self, name: str, default: Any = None) -> Any:
        found = self.get(name)
        return found.value if found else default

    def fields(self) -> list[Found]:
        """One Found per field, the last one, in the order fields first appeared."""
        order = list(dict.fromkeys(f.field for f in self.found))
        return [f for name in order if (f := self.get(name)) is not None]

    def to_dict(self) -> dict[str, Any]:
        found = [f.to_dict() for f in self.fields()]
        return {"root": self.root, "found": [f for f in found if not f["field"].startswith(FACT)],
                "facts": {f["field"].removeprefix(FACT): f["value"] for f in found if f["field"].startswith(FACT)},
                "unexpressed": [u.to_dict() for u in self.unexpressed]}
