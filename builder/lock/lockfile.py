"""The lock file: a requirements file with hashes, under a header that records what it was made from.

The last header line is JSON: the inputs' content hashes and the target (so `builder lock --check` tells a stale
lock without the network), the body's hash (so a hand edit shows), and the system packages source builds need
(so the plan can add them without resolving again). Nothing here needs more than the standard library.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
FACTS_PREFIX = "# builder-lock: "


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
    head = [f"# {line}" if line else "#" for line in comments]
    return "\n".join([*head, FACTS_PREFIX + json.dumps(record, sort_keys=True), body.rstrip("\n")]) + "\n"


def read_record(path: Path) -> tuple[dict[str, Any] | None, str]:
    """(the JSON record, the body after it); (None, whole text) for a file `builder lock` did not write."""
    text = path.read_text(encoding="utf-8", errors="replace")
    _, sep, body = text.partition("\n" + FACTS_PREFIX)
    if not sep and text.startswith(FACTS_PREFIX):
        sep, body = "\n", text[len(FACTS_PREFIX):]
    if not sep:
        return None, text
    line, _, body = body.partition("\n")
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None, text
    return (record if isinstance(record, dict) else None), body


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
    record, _ = read_record(path)
    if record is None:
        return LockFacts(lock)
    return LockFacts(lock, tuple(record.get("build_packages", [])), tuple(record.get("runtime_packages", [])),
                     tuple(record.get("source_builds", [])))
