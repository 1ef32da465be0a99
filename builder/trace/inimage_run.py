"""The two tools builder trace runs inside an image, by the image's own interpreter, exec form: the static closure
(in the slim image) and the import check (in both)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.containers import FULL_LOG, Run, log_tail, telling_line, throwaway, wait_for_exit
from builder.errors import BuilderError
from builder.plan import BuildPlan
from builder.trace.record import MOUNT, TOOLS

TOOL_TIMEOUT = 300.0
# Imported for their side effects alone (a browser, the Zen of Python): never part of the check.
NOT_IMPORTED = frozenset({"antigravity", "this", "__main__"})


@dataclass(frozen=True)
class Closure:
    """The slim image's answer: the app's import closure, and which recorded paths are its files."""

    python: str
    modules: dict[str, str]  # module -> file, the static closure
    static: list[str]  # files of the static closure, with bytecode and sources alongside
    traced: list[str]  # recorded paths that are regular files of the image, resolved, with companions
    sizes: dict[str, int]
    problems: list[str]  # app files modulefinder could not analyse


def run_tool(client: Any, image: str, plan: BuildPlan, folder: Path, argv: list[str], *, run: Run,
             what: str, env: dict[str, str] | None = None) -> None:
    """Run a tool script from the bound folder in `image`; its exit must be 0 (it writes its answer to the folder)."""
    options = {"entrypoint": [plan.runtime.python], "command": argv, "working_dir": plan.runtime.workdir,
               "volumes": {str(folder): {"bind": MOUNT, "mode": "rw"}},
               "environment": {"PYTHONDONTWRITEBYTECODE": "1"} | (env or {})}
    with throwaway(client, image, run=run, what=what, **options) as container:
        container.start()
        code = wait_for_exit(container, timeout=TOOL_TIMEOUT)
        output = log_tail(container, FULL_LOG)
    if code != 0:
        seen = f"still running after {TOOL_TIMEOUT:g} s" if code is None else f"exit {code}: {telling_line(output)}"
        raise BuilderError(f"builder trace: the {what} tool in image {image} failed: {seen}",
                           hint="its output ends:\n" + "\n".join(output[-8:]))


def static_closure(client: Any, image: str, plan: BuildPlan, folder: Path, candidates: set[str], *,
                   run: Run, resolve_only: bool = False) -> Closure:
    """The import closure of the app's own modules, and the recorded paths that are files of the image."""
    (folder / "candidates.txt").write_text("".join(f"{path}\n" for path in sorted(candidates)), encoding="utf-8")
    argv = [f"{TOOLS}/closure.py", plan.runtime.workdir, MOUNT, *(["--resolve-only"] if resolve_only else [])]
    run_tool(client, image, plan, folder, argv, run=run, what="closure")
    data = json.loads((folder / "closure.json").read_text(encoding="utf-8"))
    return Closure(data["python"], data["modules"], data["static"], data["traced"], data["sizes"],
                   data["problems"])


def import_check(client: Any, image: str, plan: BuildPlan, folder: Path, modules: list[str], *,
                 run: Run, env: dict[str, str] | None = None) -> dict[str, str]:
    """Import each module in `image`: module -> "" when it imported, else the exception it raised. With the
    recorder's `env`, what the imports read (data files, modules imported by name) is recorded too."""
    names = sorted(set(modules) - NOT_IMPORTED)
    (folder / "modules.txt").write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
    (folder / "imports.json").unlink(missing_ok=True)
    run_tool(client, image, plan, folder, [f"{TOOLS}/imports.py", MOUNT], run=run, what="imports", env=env)
    results: dict[str, str] = json.loads((folder / "imports.json").read_text(encoding="utf-8"))
    return results
