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
    lock.add_argument("--verify", action="store_true",
                      help="then install the lock into the image's Python (the Dockerfile's builder stage) and import "
                           "every locked module and every module the app imports, as the app's user; exit 1 if one "
                           "fails")
    lock.add_argument("--ca-cert", type=Path, metavar="PEM",
                      help="an extra CA to trust (a TLS-intercepting proxy, a private index); default $BUILDER_CA_CERT")


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
    from builder.lock.network import index_access
    from builder.lock.report import lock_report
    from builder.lock.write import write_lock

    with index_access(ca_cert=args.ca_cert) as access:
        result = make_lock(spec, root, arch=args.arch, heavy_mb=args.heavy_mb,
                           cache_dir=Path.home() / ".cache" / "builder", access=access)
    action = write_lock(root, result)
    report: dict[str, Any] = {**result.to_dict(), "written": action}
    if not args.json:
        print(lock_report(result))
        print(f"{result.lock_name:<10} {action} ({len(result.pins)} pins with hashes)")
    code = _verify(args, report) if args.verify else EXIT_OK
    if args.json:
        print(json.dumps(report, indent=2))
    return code


def _verify(args: argparse.Namespace, report: dict[str, Any]) -> int:
    """Build the builder stage from the lock just written and import everything; the findings say what failed."""
    from builder.commands import load_project, progress
    from builder.engine import engine_client
    from builder.findings import table
    from builder.lock.verify import verify_findings, verify_lock

    project = load_project(args.spec)
    progress(f"verifying {project.plan.builder.requirements}: building the builder stage for Python "
             f"{project.plan.python_version}")
    with engine_client() as client:
        verification = verify_lock(project, client, ca_cert=args.ca_cert)
    findings = verify_findings(verification, lock=project.plan.builder.requirements)
    report["verify"] = {**verification.to_dict(), "findings": [f.to_dict() for f in findings]}
    if not args.json:
        user = project.plan.runtime.user
        print(f"verify     {'passed' if verification.passed else 'FAILED'}: installed in "
              f"{verification.build_seconds:.0f} s; imported {len(verification.checked)} modules on Python "
              f"{verification.python or project.plan.python_version} as uid {user.uid}")
        if verification.build_error:
            print(verification.build_error)  # the failing step and the end of its log
        if findings:
            print(table(findings))
    return EXIT_OK if verification.passed else EXIT_FAILED
