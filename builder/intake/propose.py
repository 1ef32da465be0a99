"""builder init's stage: an app directory -> the proposed spec (data, text, what was found); and writing it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from builder.errors import BuilderError
from builder.intake.detectors import run
from builder.intake.files import AppFiles
from builder.intake.model import Intake
from builder.intake.spec_yaml import spec_data, spec_text
from builder.spec import SPEC_FILENAME, AppSpec, cross_checks


@dataclass(frozen=True)
class Proposal:
    root: Path
    intake: Intake
    data: dict[str, Any]
    text: str

    @property
    def path(self) -> Path:
        return self.root / SPEC_FILENAME

    def to_dict(self) -> dict[str, Any]:
        return {**self.intake.to_dict(), "spec": self.data, "spec_path": str(self.path)}


def propose(root: Path, *, module: str | None = None) -> Proposal:
    """Read the app and compose its builder.yaml; writes nothing."""
    intake = run(AppFiles.scan(root), module=module)
    data = spec_data(intake)
    _must_validate(data)
    return Proposal(root, intake, data, spec_text(intake))


def write(proposal: Proposal, *, force: bool) -> None:
    """Write builder.yaml, never over an existing one unless forced; it loads as a spec before it takes the name."""
    from builder.load import load_spec

    if proposal.path.exists() and not force:
        raise BuilderError(f"{SPEC_FILENAME} already exists in {proposal.root}", file=proposal.path,
                           hint="builder init never overwrites it: pass --force to replace it, or --dry-run to "
                                "see the proposal without writing")
    scratch = proposal.root / f".{SPEC_FILENAME}.init"
    try:
        scratch.write_text(proposal.text, encoding="utf-8")
        load_spec(scratch)
        scratch.replace(proposal.path)
    except OSError as exc:
        raise BuilderError(f"cannot write {proposal.path}: {exc.strerror or exc}", file=proposal.path,
                           hint="check the directory is writable") from None
    finally:
        scratch.unlink(missing_ok=True)


def _must_validate(data: dict[str, Any]) -> None:
    """What the detectors found must be a valid spec; if not, that is builder's bug, said plainly."""
    try:
        spec = AppSpec.model_validate(data)
    except ValidationError as exc:
        raise BuilderError(f"builder init composed a spec that does not validate: {exc.errors()[0]['msg']} at "
                           f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}",
                           hint="this is a bug in builder init; run with --dry-run --json and report it") from None
    problems = cross_checks(spec)
    if problems:
        field, message, hint = problems[0]
        raise BuilderError(f"builder init composed a spec that fails a check: {message}", field=".".join(field),
                           hint=hint)
