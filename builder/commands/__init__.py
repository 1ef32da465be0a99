"""Subcommands, one module per area. Each module has ORDER (its place in `builder --help`) and
`register(commands)`, which adds its subparsers; every module in this package is picked up.

Modules import their stages lazily inside the command functions, so `builder --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
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
