"""builder trace's import check, run in an image by its own interpreter (exec form, no shell).

usage: imports.py FOLDER
Imports each module named in FOLDER/modules.txt, one after another in this process, and writes FOLDER/imports.json:
module -> "" when it imported, else the exception's type and message. Run in the slim image and the traced one,
a module that imports in the first and not in the second was cut by the trace.
"""

from __future__ import annotations

import importlib
import json
import os
import sys


def outcome(name: str) -> str:
    try:
        importlib.import_module(name)
    except BaseException as exc:  # SystemExit from a module is a result too
        return f"{type(exc).__name__}: {exc}"
    return ""


def main(folder: str) -> None:
    with open(os.path.join(folder, "modules.txt"), encoding="utf-8") as lines:
        names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    results = {}
    for name in names:
        results[name] = outcome(name)
        sys.stdout.flush()
    with open(os.path.join(folder, "imports.json"), "w", encoding="utf-8") as out:
        json.dump(results, out)


if __name__ == "__main__":
    main(sys.argv[1])
