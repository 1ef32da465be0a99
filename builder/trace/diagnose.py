"""Why a traced image fails where the slim one passed: the checks that differ, the imports that broke, and the
module or file behind them, named in the slim image's terms (the path a user adds to the trace file)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from builder.validate.report import ValidationReport

_PATTERNS = (
    ("module", re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")),
    ("module", re.compile(r"ImportError: cannot import name '\w+' from '([\w.]+)'")),
    ("file", re.compile(r"(?:FileNotFoundError|OSError|IOError): \[Errno 2\] No such file or directory: '([^']+)'")),
    ("library", re.compile(r"(\S+\.so[\w.]*): cannot open shared object file")),
)
HINT = ("exercise that code path with a smoke request in builder.yaml and run `builder trace` again, or add the "
        "file to {trace} by hand (one absolute path a line)")


@dataclass(frozen=True)
class Missing:
    """Something the traced image lacks: a module, a file or a shared library, and where the slim image has it."""

    kind: str  # module | file | library
    name: str
    slim_file: str = ""  # the slim image's file for it, when known
    where: str = ""  # which check or import showed it

    def describe(self) -> str:
        found = f" (in the slim image: {self.slim_file})" if self.slim_file else ""
        return f"missing {self.kind} {self.name}{found}, seen in {self.where}"


def missing_in(lines: Iterable[str], *, where: str, modules: dict[str, str]) -> list[Missing]:
    """Each ModuleNotFoundError, ImportError, FileNotFoundError or loader error in `lines`, mapped to a slim file."""
    found: dict[tuple[str, str], Missing] = {}
    for line in lines:
        for kind, pattern in _PATTERNS:
            for name in pattern.findall(line):
                slim = module_file(name, modules) if kind == "module" else name if kind == "file" else ""
                found.setdefault((kind, name), Missing(kind, name, slim, where))
    return list(found.values())


def module_file(name: str, modules: dict[str, str]) -> str:
    """The slim image's file for `name`, else for the nearest parent package the slim image knows."""
    parts = name.split(".")
    while parts:
        file = modules.get(".".join(parts))
        if file:
            return file
        parts.pop()
    return ""


def differing_checks(slim: ValidationReport, traced: ValidationReport) -> list[str]:
    """Checks whose verdict in the traced image is not the slim image's (a check only one run has counts too)."""
    before = {check.name: check.verdict for check in slim.checks}
    after = {check.name: check.verdict for check in traced.checks}
    return [name for name in [*before, *(n for n in after if n not in before)] if before.get(name) != after.get(name)]


def broken_imports(slim: dict[str, str], traced: dict[str, str]) -> dict[str, str]:
    """Modules that import in the slim image and not in the traced one: module -> the traced image's error."""
    return {name: error for name, error in traced.items() if error and not slim.get(name)}


def diagnose(slim: ValidationReport, traced: ValidationReport, imports: dict[str, str], *,
             modules: dict[str, str]) -> list[Missing]:
    """What the traced image lacks, from its failing checks' output and log, then from the imports that broke."""
    found: list[Missing] = []
    checks = {check.name: check for check in traced.checks}
    for name in differing_checks(slim, traced):
        seen = checks[name].seen.splitlines() if name in checks else []
        found += missing_in([*seen, *traced.app_log], where=f"check {name!r}", modules=modules)
    for module, error in imports.items():
        named = missing_in([error], where=f"the import check (import {module})", modules=modules)
        found += named or [Missing("module", module, module_file(module, modules),
                                   f"the import check: {error.splitlines()[0] if error else ''}")]
    unique: dict[tuple[str, str], Missing] = {}
    for item in found:
        unique.setdefault((item.kind, item.name), item)
    return list(unique.values())
