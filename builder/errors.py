"""Error types. Only the CLI renders them; a user never sees a traceback for a mistake of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class BuilderError(Exception):
    """A problem the user can act on: what went wrong, and what to do about it."""

    message: str
    hint: str = ""
    file: Path | None = None
    line: int | None = None
    field: str = ""

    def __post_init__(self) -> None:
        # A field path is built from the user's keys; a 100 KB key must not come back in full.
        if len(self.field) > 200:
            self.field = f"{self.field[:200]}..."
        super().__init__(self.message)

    def location(self) -> str:
        """`file:line (field)`, as much of it as is known."""
        where = str(self.file) if self.file else ""
        if self.file and self.line:
            where += f":{self.line}"
        if self.field:
            where += f" ({self.field})" if where else self.field
        return where


class SpecError(BuilderError):
    """builder.yaml is missing, unreadable or invalid."""


class ToolMissing(BuilderError):
    """A program builder needs (docker CLI with BuildKit, mmdebstrap, ...) is not installed."""


class BuildFailed(BuilderError):
    """The image build itself failed (a RUN step, a missing file)."""


class TransientError(BuilderError):
    """Engine unreachable, a timeout: trying again later may work. Gets its own exit code."""


class EngineUnavailable(TransientError):
    """No Docker engine answers."""


def engine_words(exc: BaseException) -> str:
    """The engine's own words, without the SDK's URL in front: `exec: "python3": executable file not found`."""
    text = str(getattr(exc, "explanation", None) or exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__
