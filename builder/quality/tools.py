"""Finding and running the programs lint and scan drive (hadolint, trivy); their failures become BuilderErrors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from builder.errors import BuilderError, ToolMissing, TransientError


def find_tool(name: str, *, install_hint: str) -> str:
    """The program beside this Python first (a pip-installed binary in the venv), then on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise ToolMissing(f"{name} is not installed (looked beside {sys.executable} and on PATH)", hint=install_hint)
    return found


def run_tool(argv: list[str], *, what: str, timeout: float, ok_codes: tuple[int, ...] = (0,)) -> str:
    """Run a tool and return its stdout; a failure becomes a BuilderError naming `what` with the tool's last words."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TransientError(f"{what}: {Path(argv[0]).name} took over {timeout:g}s",
                           hint="try again; a first image scan reads every layer") from exc
    except OSError as exc:
        raise ToolMissing(f"{what}: cannot run {argv[0]}: {exc}", hint="reinstall it") from exc
    if done.returncode not in ok_codes:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
        raise BuilderError(f"{what}: {Path(argv[0]).name} exited with {done.returncode}:\n{tail}",
                           hint="see the tool's message above")
    return done.stdout


def parse_json(text: str, *, what: str) -> Any:
    """A tool's JSON report; anything else (a crash message on stdout) becomes a BuilderError."""
    try:
        return json.loads(text or "null")
    except ValueError as exc:
        raise BuilderError(f"{what}: the report is not JSON: {text[:200]!r}",
                           hint="run the tool by hand to see what it says") from exc
