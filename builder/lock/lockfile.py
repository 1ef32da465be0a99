"""The lock file: a requirements file with hashes, under a header that records what it was made from.

The last header line is JSON: the inputs' content hashes and the target (so `builder lock --check` tells a stale
lock without the network), the body's hash (so a hand edit shows), and the system packages source builds need
(so the plan can add them without resolving again). The record's own hash (`seal`) shows an edit to the record, and
every field is checked when read: its package names end up in the Dockerfile's `apt-get install`.
Nothing here needs more than the standard library.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BuilderError
from builder.safe_files import read_regular
from builder.spec import DEBIAN_PACKAGE, PACKAGE_NAME

FORMAT = 2  # 2: the record carries `seal`, the hash of the record itself
FACTS_PREFIX = "# builder-lock: "
_PIN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}==[A-Za-z0-9.+!_-]{1,60}$"
_TEXT = r"^[^\x00-\x1f\x7f]{0,500}$"
# What each field of the record must be: (JSON type, the pattern of it or of each item).
_RECORD: dict[str, tuple[type, str]] = {
    "format": (int, ""), "body": (str, r"^[0-9a-f]{16}$"), "seal": (str, r"^[0-9a-f]{16}$"),
    "source": (str, _TEXT), "python": (str, r"^[0-9.]{1,10}$"), "platform": (str, r"^[A-Za-z0-9_.-]{0,60}$"),
    "requirements": (str, r"^[0-9a-f]{16}$"), "files": (list, _TEXT), "extras": (list, PACKAGE_NAME),
    "keep": (list, PACKAGE_NAME), "build_packages": (list, DEBIAN_PACKAGE), "runtime_packages": (list, DEBIAN_PACKAGE),
    "source_builds": (list, _PIN),
}


@dataclass(frozen=True)
class Stamp:
    """What a lock was made from and for, as recorded in its header."""

    source: str
    python: str
    platform: str
    extras: tuple[str, ...]
    keep: tuple[str, ...]
    files: tuple[str, ...]  # every input file read (relative)
    requirements: str  # hash of what those files ask for: comments and unrelated settings do not count

    def differences(self, now: Stamp) -> list[str]:
        """How the inputs now differ from the inputs when the lock was made, in words."""
        pairs = (("dependencies.source", self.source, now.source), ("python", self.python, now.python),
                 ("platform", self.platform, now.platform),
                 ("dependencies.extras", ", ".join(self.extras), ", ".join(now.extras)),
                 ("dependencies.keep", ", ".join(self.keep), ", ".join(now.keep)))
        changes = [f"{label} was {then or '-'}, is now {today or '-'}" for label, then, today in pairs if then != today]
        changes += [f"{name} is now read too" for name in now.files if name not in self.files]
        changes += [f"{name} is no longer read" for name in self.files if name not in now.files]
        if not changes and self.requirements != now.requirements:
            changes.append(f"the requirements in {', '.join(now.files)} changed")
        return changes


@dataclass(frozen=True)
class LockFacts:
    """What the plan takes from a lock: the file to install from, and the system packages its source builds need."""

    lock: str
    build_packages: tuple[str, ...] = ()
    runtime_packages: tuple[str, ...] = ()
    source_builds: tuple[str, ...] = ()  # name==version


def content_hash(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:16]


def compose(*, body: str, stamp: Stamp, facts: LockFacts, comments: list[str]) -> str:
    """The lock file's full text: readable comments, the JSON record, then uv's pins."""
    record = {"format": FORMAT, "body": content_hash(body), "source": stamp.source, "python": stamp.python,
              "platform": stamp.platform, "extras": list(stamp.extras), "keep": list(stamp.keep),
              "files": list(stamp.files), "requirements": stamp.requirements,
              "build_packages": list(facts.build_packages), "runtime_packages": list(facts.runtime_packages),
              "source_builds": list(facts.source_builds)}
    record["seal"] = seal_of(record)
    head = [f"# {line}" if line else "#" for line in comments]
    return "\n".join([*head, FACTS_PREFIX + json.dumps(record, sort_keys=True), body.rstrip("\n")]) + "\n"


def seal_of(record: dict[str, Any]) -> str:
    """The hash of the record without its seal: the body's hash is in it, so this covers the whole lock."""
    return content_hash(json.dumps({k: v for k, v in record.items() if k != "seal"}, sort_keys=True))


def read_record(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(the JSON record, checked field by field, and the body after it); (None, whole text) for a file `builder
    lock` did not write. A record with a field of the wrong shape is an error naming the field and the line."""
    text = read_regular(path) or ""
    head, sep, body = text.partition("\n" + FACTS_PREFIX)
    if not sep and text.startswith(FACTS_PREFIX):
        head, sep, body = "", "\n", text[len(FACTS_PREFIX):]
    if not sep:
        return None, text
    raw, _, body = body.partition("\n")
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return None, text
    if not isinstance(record, dict):
        return None, text
    _check_record(record, path, line=head.count("\n") + 2 if head else 1)
    return record, body


def _check_record(record: dict[str, Any], path: Path, *, line: int) -> None:
    for name, value in record.items():
        kind, pattern = _RECORD.get(name, (object, ""))
        items = value if isinstance(value, list) else [value]
        fits = isinstance(value, kind) and not isinstance(value, bool) and all(
            isinstance(item, int | str) and (not pattern or re.fullmatch(pattern, str(item))) for item in items)
        if kind is object or not fits:
            what = "an unknown field" if kind is object else f"not what `builder lock` writes there ({kind.__name__})"
            raise BuilderError(f"the builder-lock record in {path.name} has {name!r}: {what}", file=path, line=line,
                               field=name, hint="the record was edited: run `builder lock` to write it again")


def unsealed(record: dict[str, Any]) -> str | None:
    """Why the record cannot be trusted as written by `builder lock`, or None."""
    if "seal" not in record:
        return "its builder-lock record is from an older builder (no seal)"
    return None if record["seal"] == seal_of(record) else "its builder-lock record was edited by hand"


def stamp_of(record: dict[str, Any]) -> Stamp:
    return Stamp(source=str(record.get("source", "")), python=str(record.get("python", "")),
                 platform=str(record.get("platform", "")), extras=tuple(record.get("extras", [])),
                 keep=tuple(record.get("keep", [])), files=tuple(record.get("files", [])),
                 requirements=str(record.get("requirements", "")))


def read_facts(root: Path, lock: str) -> LockFacts | None:
    """The facts a lock records, or None when there is no lock builder wrote (the plan then adds nothing)."""
    path = root / lock
    if not path.is_file():
        return None
    record, _ = read_record(path)  # checked: only package names and pins reach the plan
    if record is None:
        return LockFacts(lock)
    return LockFacts(lock, tuple(record.get("build_packages", [])), tuple(record.get("runtime_packages", [])),
                     tuple(record.get("source_builds", [])))
