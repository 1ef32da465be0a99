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
    from builder.load import LoadedSpec
    from builder.plan import BuildPlan

def command_groups() -> list[ModuleType]:
    """Every command module here, in ORDER."""
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted(modules, key=lambda module: int(module.ORDER))


def add(commands: Any, name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """One subcommand whose `run(args)` returns the exit code."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(run=run)
    return sub


def load_plan(spec_path: Path) -> tuple[LoadedSpec, BuildPlan]:
    """The spec and its plan: the start of nearly every command."""
    from builder.load import load_spec
    from builder.lock.lockfile import read_facts
    from builder.plan import make_plan

    loaded = load_spec(spec_path)
    # The lock records system packages its source-built dependencies need; the plan puts them in the right stage.
    return loaded, make_plan(loaded.spec, lock=read_facts(loaded.root, loaded.spec.dependencies.lock))


def progress(line: str) -> None:
    """A progress line: to stderr, so --json output on stdout stays clean."""
    print(f"  {line}", file=sys.stderr, flush=True)


def prepare_build(loaded: LoadedSpec, plan: BuildPlan, *, dockerfile: str, regenerate: bool,
                  say: Callable[[str], None]) -> None:
    """Before any build: refresh the generated files, and refuse a missing file or a lock its inputs outgrew."""
    from builder import output
    from builder.build import require_inputs
    from builder.errors import BuilderError
    from builder.generate import write_artifacts
    from builder.lock.check import check_lock
    from builder.targets import artifacts_for

    if regenerate:
        say(output.generate_report(write_artifacts(loaded.root, artifacts_for(plan)), loaded.root))
    require_inputs(plan, loaded.root, dockerfile)
    check = check_lock(loaded.spec, loaded.root)
    # A lock builder did not write is the user's own; one it wrote and the inputs moved past would ship stale pins.
    stale = [reason for reason in check.reasons if "was not written by `builder lock`" not in reason]
    if stale:
        raise BuilderError(f"{check.lock} is stale: " + "; ".join(stale), file=loaded.root / check.lock,
                           hint="run `builder lock` (then commit the lock) and build again")
