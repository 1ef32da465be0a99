"""Project: the app's directory, its spec, the lock's recorded facts and the plan, loaded once for every command.

This is the one place a plan is made; every stage after it (generate, build, validate, doctor, report) takes the
plan, or the project when it must also read the app's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.load import load_spec
from builder.lock.lockfile import LockFacts, read_facts
from builder.plan import BuildPlan
from builder.plan.make import make_plan
from builder.spec import AppSpec


@dataclass(frozen=True)
class Project:
    root: Path  # the directory holding builder.yaml: every relative path in the spec starts here
    spec_path: Path
    spec: AppSpec  # what the user wrote: for `lock` (an input stage) and for pointing at lines in builder.yaml
    lock: LockFacts | None  # None: no lock builder wrote yet
    plan: BuildPlan


def load_project(start: Path) -> Project:
    """Read builder.yaml (or the one in a directory), the lock's facts, and make the plan."""
    loaded = load_spec(start)
    # The lock records system packages its source-built dependencies need; the plan puts them in the right stage.
    lock = read_facts(loaded.root, loaded.spec.dependencies.lock)
    return Project(loaded.root, loaded.path, loaded.spec, lock, make_plan(loaded.spec, lock=lock))
