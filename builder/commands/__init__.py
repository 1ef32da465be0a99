"""Subcommands, one module per area. Each module has ORDER (its place in `builder --help`) and
`register(commands)`, which adds its subparsers; every module in this package is picked up.

Modules import their stages lazily inside the command functions, so `builder --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from builder.project import Project

def command_groups() -> list[ModuleType]:
    """Every command module here, in ORDER."""
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted(modules, key=lambda module: int(module.ORDER))


def add(commands: Any, name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """One subcommand whose `run(args)` returns the exit code."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(run=run)
    return sub


def load_project(spec_path: Path) -> Project:
    """The spec, the lock's facts and the plan: the start of nearly every command."""
    from builder.project import load_project as load

    return load(spec_path)


def progress(line: str) -> None:
    """A progress line: to stderr, so --json output on stdout stays clean."""
    print(f"  {line}", file=sys.stderr, flush=True)


def prepare_build(project: Project, *, dockerfile: str, regenerate: bool, say: Callable[[str], None],
                  chosen: bool = False) -> None:
    """Before any build: refresh the generated files, and refuse a missing file or a lock its inputs outgrew."""
    from builder import output
    from builder.build import require_inputs
    from builder.errors import BuilderError
    from builder.generate import Action, owner_of, write_artifacts
    from builder.lock.check import check_lock
    from builder.targets import artifacts_for

    if regenerate:
        say(output.generate_report(write_artifacts(project.root, artifacts_for(project.plan), spec=project.spec_path),
                                   project.root))
    require_inputs(project.plan, project.root, dockerfile)
    if not chosen and owner_of(project.root / dockerfile) is Action.KEPT_FOREIGN:
        # The app's own Dockerfile sits where builder's would go: building it would ship what builder did not plan.
        raise BuilderError(f"{dockerfile} was not written by builder, so builder will not build it as its own",
                           file=project.root / dockerfile,
                           hint="set `dockerfile: Dockerfile.builder` in builder.yaml (builder writes its own there), "
                                f"or pass --dockerfile {dockerfile} to build the app's file as it is")
    check = check_lock(project.spec, project.root)
    # A lock builder did not write is the user's own; one it wrote and the inputs moved past would ship stale pins.
    stale = [reason for reason in check.reasons if "was not written by `builder lock`" not in reason]
    if stale:
        raise BuilderError(f"{check.lock} is stale: " + "; ".join(stale), file=project.root / check.lock,
                           hint="run `builder lock` (then commit the lock) and build again")
