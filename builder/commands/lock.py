"""builder lock: production dependencies pinned with hashes for the image's Python, and the lock's check."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.commands import add
from builder.exits import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from builder.spec import AppSpec

ORDER = 20


def register(commands: Any) -> None:
    """lock."""
    from builder.lock.model import ARCHES

    lock = add(commands, "lock", "pin the production dependencies with hashes for the image's Python (uv)", _cmd_lock)
    lock.add_argument("--check", action="store_true",
                      help="change nothing; exit 1 if the lock is missing, edited, or stale against its inputs")
    lock.add_argument("--json", action="store_true", help="print the result as JSON")
    lock.add_argument("--heavy-mb", type=float, default=25.0, metavar="MB",
                      help="flag packages that unpack to this many MB or more (default 25)")
    lock.add_argument("--arch", choices=ARCHES, default="x86_64", help="the image's architecture (default x86_64)")


def _cmd_lock(args: argparse.Namespace) -> int:
    from builder.load import load_spec
    from builder.lock.report import check_report

    loaded = load_spec(args.spec)
    if args.check:
        from builder.lock.check import check_lock

        check = check_lock(loaded.spec, loaded.root)
        print(json.dumps({"lock": check.lock, "fresh": check.fresh, "reasons": list(check.reasons)}, indent=2)
              if args.json else check_report(check))
        return EXIT_OK if check.fresh else EXIT_FAILED
    return _lock(loaded.spec, loaded.root, args)


def _lock(spec: AppSpec, root: Path, args: argparse.Namespace) -> int:
    try:
        from builder.lock.make import make_lock
    except ImportError as exc:  # an install of builder that predates its `packaging` dependency
        from builder.errors import ToolMissing

        raise ToolMissing(f"builder lock needs the Python package {exc.name}",
                          hint="pip install packaging uv") from None
    from builder.lock.report import lock_report
    from builder.lock.write import write_lock

    result = make_lock(spec, root, arch=args.arch, heavy_mb=args.heavy_mb,
                       cache_dir=Path.home() / ".cache" / "builder")
    action = write_lock(root, result)
    if args.json:
        print(json.dumps({**result.to_dict(), "written": action}, indent=2))
    else:
        print(lock_report(result))
        print(f"{result.lock_name:<10} {action} ({len(result.pins)} pins with hashes)")
    return EXIT_OK
