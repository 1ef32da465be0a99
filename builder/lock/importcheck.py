"""Run inside the image by `builder lock --verify`: import every top-level module of every installed distribution,
every module the app's code imports and every module the image's processes start from, and print what failed.
Standard library only; it runs in the app's venv.

argv[1]: JSON {module: where it is imported}. The result is the last line of stdout, after MARKER, so whatever
an import prints cannot spoil it. A failure names, when its error names another module, that module and the
distribution that owns it: `cannot import name 'Markup' from 'jinja2'` is Jinja2's doing, not the importer's.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import json
import re
import sys
import warnings

MARKER = "builder-verify: "
# Top-level names some wheels ship that are not meant to be imported in production.
SKIPPED = {"tests", "test", "testing", "docs", "doc", "examples", "benchmarks", "scripts"}
# The module an ImportError or AttributeError blames: "cannot import name 'X' from 'mod'", "No module named 'mod'",
# "module 'mod' has no attribute 'X'".
NAMED = re.compile(r"from '([\w.]+)'|No module named '([\w.]+)'|module '([\w.]+)' has no attribute")


def top_level(dist: metadata.Distribution) -> list[str]:
    """The importable top-level names of one distribution: top_level.txt, else the first parts of RECORD."""
    listed = dist.read_text("top_level.txt")
    names = set(listed.split()) if listed else set()
    if not names:
        for path in dist.files or []:
            first = path.parts[0] if path.parts else ""
            if first in ("..", "__pycache__") or first.endswith((".dist-info", ".data", ".pth")):
                continue
            if len(path.parts) > 1:
                names.add(first)
            elif first.endswith(".py") or first.endswith(".so"):
                names.add(first.split(".", 1)[0])
    return sorted(n for n in names if n.isidentifier() and n not in SKIPPED)


def attempt(module: str) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module(module)
    except BaseException as exc:  # SystemExit and worse are findings too
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def cause(error: str, owners: dict[str, tuple[str, str]]) -> dict[str, str]:
    """The module the error names, and the distribution that owns it ("" for the standard library or nobody)."""
    found = NAMED.search(error)
    module = next((g for g in found.groups() if g), "") if found else ""
    name, version = owners.get(module.split(".", 1)[0], ("", ""))
    return {"cause_module": module, "cause_distribution": name, "cause_version": version}


def main() -> None:
    wanted: dict[str, str] = json.loads(sys.argv[1])
    owners: dict[str, tuple[str, str]] = {}
    checked: list[str] = []
    failures: list[dict[str, str]] = []
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        for module in top_level(dist):
            owners.setdefault(module, (dist.metadata["Name"], dist.version))
    # Top-level modules first, then the submodules processes start from (gunicorn.app.wsgiapp), whose owner is
    # their top-level module's distribution; a submodule of a module that already failed adds nothing.
    modules = dict.fromkeys(owners, "locked") | {m: w for m, w in wanted.items() if m not in owners}
    for module in sorted(modules, key=lambda m: (m.count("."), m)):
        if module.split(".", 1)[0] in {f["module"] for f in failures}:
            continue
        checked.append(module)
        error = attempt(module)
        if error:
            name, version = owners.get(module.split(".", 1)[0], ("", ""))
            failures.append({"module": module, "distribution": name, "version": version, "error": error,
                             "origin": wanted.get(module, "locked"), **cause(error, owners)})
    result = {"python": sys.version.split()[0], "checked": checked, "failures": failures}
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
