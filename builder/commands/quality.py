"""Quality gates: lint (policy + hadolint, or the image policy) and scan (all of that + trivy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.commands import add
from builder.commands.findings_out import FindingsContext, optional_spec_context
from builder.exits import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from builder.quality.gates import Report

ORDER = 30
FAIL_ON = ("info", "low", "medium", "high", "critical", "never")


def register(commands: Any) -> None:
    """lint, scan."""
    lint = add(commands, "lint", "check Dockerfiles and compose files (or a built image) against builder's policy"
               " and hadolint", _cmd_lint)
    _common_options(lint)
    scan = add(commands, "scan", "everything lint checks, plus trivy: Dockerfile misconfigurations, image secrets"
               " and vulnerabilities, CycloneDX SBOM", _cmd_scan)
    _common_options(scan)
    scan.add_argument("--db-dir", type=Path, metavar="DIR", help="trivy cache dir holding an offline vulnerability"
                      " database (db/trivy.db); without one the vulnerability scan is skipped")
    scan.add_argument("--sbom", type=Path, metavar="PATH", help="write a CycloneDX SBOM of the image (or of the"
                      " project's dependencies) to PATH")


def _common_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Dockerfiles, compose files or directories"
                     " (default: the spec's directory; none when only --image is given)")
    sub.add_argument("--image", metavar="TAG", help="a built image in the local engine (read, never run)")
    output = sub.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="findings as JSON")
    output.add_argument("--sarif", action="store_true", help="findings as SARIF 2.1.0, for code scanning in CI")
    sub.add_argument("--fail-on", choices=FAIL_ON, default="medium", metavar="SEVERITY",
                     help=f"exit 1 when a finding is at least this severe: {', '.join(FAIL_ON)} (default: medium)")


def _cmd_lint(args: argparse.Namespace) -> int:
    from builder.quality.gates import combine, lint_files, lint_images

    context = optional_spec_context(args.spec, args.image)
    reports = [lint_files(paths)] if (paths := _file_paths(args)) else []
    if args.image:
        from builder.engine import engine_client

        with engine_client() as client:
            reports.append(lint_images(client, [args.image], ignore=context.ignore))
    return _finish(combine(*reports), args, context)


def _cmd_scan(args: argparse.Namespace) -> int:
    from builder.quality.gates import combine, scan_files, scan_image

    context = optional_spec_context(args.spec, args.image)
    paths = _file_paths(args)
    # One SBOM: of the image when there is one, else of the project's dependencies.
    reports = [scan_files(paths, sbom=None if args.image else args.sbom, db_dir=args.db_dir)] if paths else []
    if args.image:
        from builder.engine import engine_client

        with engine_client() as client:
            reports.append(scan_image(client, args.image, sbom=args.sbom, db_dir=args.db_dir, ignore=context.ignore))
    if args.sbom and args.sbom.is_file():
        print(f"wrote the CycloneDX SBOM to {args.sbom}", file=sys.stderr)
    return _finish(combine(*reports), args, context)


def _file_paths(args: argparse.Namespace) -> list[Path]:
    """The paths given; with none, the spec's directory, unless only an image was asked for."""
    if args.paths or args.image:
        return list(args.paths)
    return [args.spec if args.spec.is_dir() else args.spec.parent]


def _finish(report: Report, args: argparse.Namespace, context: FindingsContext) -> int:
    from builder.findings import Severity, fails, table, to_json
    from builder.ignores import apply_ignores
    from builder.sarif import to_sarif

    # lint and scan show files relative to the working directory (quality.targets.shown).
    found = apply_ignores(report.findings, context.ignore, base=Path.cwd(), spec_root=context.root)
    if args.json:
        print(to_json(found, notes=report.notes))
    elif args.sarif:
        print(to_sarif(found, where=context.locator(Path.cwd()), notes=report.notes))
    else:
        print(f"checked: {', '.join(report.checked)}\n{table(found)}")
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
    threshold = None if args.fail_on == "never" else Severity.parse(args.fail_on)
    return EXIT_FAILED if threshold is not None and fails(found, threshold) else EXIT_OK
