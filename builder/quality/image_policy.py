"""builder's image policy: a built image's config, history and files -> Findings (BLD-IM-*)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from docker.errors import ImageNotFound

from builder.errors import BuilderError
from builder.findings import Finding
from builder.ignores import matching
from builder.quality.image_fs import ImageFiles, environment_of, package_of, read_image_files
from builder.quality.rules import rule
from builder.quality.secrets import secret_assignment, token_kind
from builder.spec import IgnoreEntry

SHOWN_PATHS = 5
# BuildKit and the classic builder both record the build args a RUN saw as "|<count> NAME=value ... <command>".
_BUILD_ARGS = re.compile(r"^(?:RUN\s+)?\|(\d+)\s+(.*)$", re.DOTALL)


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image's config the policy reads."""

    user: str
    healthcheck: list[str]
    env: list[str]
    labels: dict[str, str]
    history: list[str]  # created_by of each step


def lint_image(client: Any, image: str, *, ignore: Sequence[IgnoreEntry] = ()) -> list[Finding]:
    """Every BLD-IM check on one image of the local engine; findings name the image as their file."""
    config = read_image_config(client, image)
    files = read_image_files(client, image)
    return [*check_config(config, shown_as=image), *check_files(files, shown_as=image, ignore=ignore)]


def read_image_config(client: Any, image: str) -> ImageConfig:
    try:
        found = client.images.get(image)
    except ImageNotFound as exc:
        raise BuilderError(f"no image {image!r} in the local engine", hint="build it first (`builder build`),"
                           " or check the tag with `docker images`") from exc
    config = found.attrs.get("Config") or {}
    return ImageConfig(user=config.get("User") or "", healthcheck=(config.get("Healthcheck") or {}).get("Test") or [],
                       env=config.get("Env") or [], labels=config.get("Labels") or {},
                       history=[str(step.get("CreatedBy") or "") for step in found.history()])


def check_config(config: ImageConfig, *, shown_as: str) -> list[Finding]:
    return [*_user(config, shown_as), *_healthcheck(config, shown_as), *_config_secrets(config, shown_as),
            *_history_secrets(config, shown_as)]


def check_files(files: ImageFiles, *, shown_as: str, ignore: Sequence[IgnoreEntry] = ()) -> list[Finding]:
    """One finding per kind of file; the paths the spec ignores go in a finding of their own, marked suppressed."""
    groups = [("BLD-IM-004", files.setid), ("BLD-IM-005", files.compilers), ("BLD-IM-006", files.dev_packages),
              ("BLD-IM-007", _unneeded_pip(files)), ("BLD-IM-008", files.caches), ("BLD-IM-011", files.private_keys),
              ("BLD-IM-015", files.package_keys), ("BLD-IM-012", files.env_files), ("BLD-IM-013", files.tokens),
              ("BLD-IM-014", files.world_writable)]
    found: list[Finding] = []
    for rule_id, paths in groups:
        entries = {path: matching(ignore, rule_id, path.split(" (")[0]) for path in paths}
        kept = [path for path, entry in entries.items() if entry is None]
        if kept:
            found.append(_group_finding(rule_id, kept, shown_as))
        if reasons := [entry.reason for entry in entries.values() if entry]:
            ignored = [path for path, entry in entries.items() if entry]
            found.append(replace(_group_finding(rule_id, ignored, shown_as), suppressed=reasons[0]))
    return found


def _group_finding(rule_id: str, paths: list[str], shown_as: str) -> Finding:
    packages = sorted({p for path in paths if (p := package_of(path))}) if rule_id == "BLD-IM-015" else []
    detail = f" (from {', '.join(packages)})" if packages else ""
    return rule(rule_id).finding(file=shown_as, message=f"{rule(rule_id).message}{detail} {_listing(paths)}")


def _unneeded_pip(files: ImageFiles) -> list[str]:
    """pip where no installed distribution of its environment requires it (some do, at run time)."""
    return [path for path in files.pip if environment_of(path) not in files.pip_needed_by]


def _user(config: ImageConfig, file: str) -> Iterator[Finding]:
    name = config.user.split(":")[0]
    if name in ("", "root", "0"):
        yield rule("BLD-IM-001").finding(file=file, message=f"the image runs as {config.user or 'root (no USER)'}")
    elif not name.isdigit():
        yield rule("BLD-IM-002").finding(file=file, message=f"the image runs as {config.user!r}, not a numeric UID")


def _healthcheck(config: ImageConfig, file: str) -> Iterator[Finding]:
    if not config.healthcheck or config.healthcheck[0] == "NONE":
        yield rule("BLD-IM-003").finding(file=file)


def _config_secrets(config: ImageConfig, file: str) -> Iterator[Finding]:
    pairs = [(entry.partition("=")[0], entry.partition("=")[2]) for entry in config.env]
    pairs += [(f"label {key}", value) for key, value in config.labels.items()]
    for name, value in pairs:
        if reason := secret_assignment(name, value):
            yield rule("BLD-IM-009").finding(file=file, message=f"{rule('BLD-IM-009').message}: {reason}")


def _history_secrets(config: ImageConfig, file: str) -> Iterator[Finding]:
    for step, created_by in enumerate(config.history, start=1):
        reasons = [reason for name, value in _build_args(created_by) if (reason := secret_assignment(name, value))]
        if not reasons and (kind := token_kind(created_by.encode())):
            reasons = [f"the command holds what looks like a {kind}"]
        for reason in reasons:
            yield rule("BLD-IM-010").finding(file=file, message=f"history step {step}: {reason}")


def _build_args(created_by: str) -> list[tuple[str, str]]:
    match = _BUILD_ARGS.match(created_by.strip())
    if not match:
        return []
    words = match.group(2).split(" ")[: int(match.group(1))]
    return [(name, value) for name, _, value in (word.partition("=") for word in words)]


def _listing(paths: list[str]) -> str:
    """"(12): /a, /b, /c, /d, /e and 7 more" """
    more = f" and {len(paths) - SHOWN_PATHS} more" if len(paths) > SHOWN_PATHS else ""
    return f"({len(paths)}): {', '.join(paths[:SHOWN_PATHS])}{more}"
