"""Run inside the image by `builder lock --verify`: import every top-level module of every installed distribution,
and every module the app's code imports, and print what failed. Standard library only; it runs in the app's venv.

argv[1]: JSON {module: where the app imports it}. The result is the last line of stdout, after MARKER, so whatever
an import prints cannot spoil it.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import json
import sys
import warnings

MARKER = "builder-verify: "
# Top-level names some wheels ship that are not meant to be imported in production.
SKIPPED = {"tests", "test", "testing", "docs", "doc", "examples", "benchmarks", "scripts"}


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


def main() -> None:
    app: dict[str, str] = json.loads(sys.argv[1])
    owners: dict[str, tuple[str, str]] = {}
    checked: list[str] = []
    failures: list[dict[str, str]] = []
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
        for module in top_level(dist):
            owners.setdefault(module, (dist.metadata["Name"], dist.version))
    for module, (name, version) in sorted(owners.items()):
        checked.append(module)
        error = attempt(module)
        if error:
            failures.append({"module": module, "distribution": name, "version": version, "error": error,
                             "origin": "locked"})
    for module, where in sorted(app.items()):
        if module in owners:
            continue
        checked.append(module)
        error = attempt(module)
        if error:
            failures.append({"module": module, "distribution": "", "version": "", "error": error, "origin": where})
    for failure in failures:
        if failure["module"] in app:
            failure["origin"] = app[failure["module"]]
    result = {"python": sys.version.split()[0], "checked": checked, "failures": failures}
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
