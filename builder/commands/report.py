"""`builder report`: where an image's bytes go, how fast it builds and starts, budgets, and the change since the
last build; as a table, JSON, Markdown (CI job summaries) or an HTML page with charts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from builder.commands import add, load_project, progress
from builder.exits import EXIT_FAILED, EXIT_OK

ORDER = 40


def register(commands: Any) -> None:
    """report."""
    report = add(commands, "report", "measure an image: size by layer, package and directory, wasted bytes, "
                 "build and start times, memory per worker, budgets, and the change since the previous build",
                 _cmd_report)
    report.add_argument("--image", help="the image to measure (default: <name>:latest, as `builder build` tags it)")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--markdown", action="store_true", help="print Markdown, e.g. for $GITHUB_STEP_SUMMARY")
    report.add_argument("--html", type=Path, metavar="FILE", help="also write an HTML page with charts to FILE")
    report.add_argument("--rebuilds", action="store_true", help="also time a cold build, a one-line code change "
                        "and a dependency change (on a scratch copy of the app; takes a few builds)")
    report.add_argument("--no-start", action="store_true", help="do not start the image (no start-up or memory)")
    report.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT), "
                        "for --rebuilds")


def _cmd_report(args: argparse.Namespace) -> int:
    from builder.engine import engine_client
    from builder.errors import BuilderError
    from builder.report import formats
    from builder.report.html import write_html
    from builder.report.measure import ReportOptions, make_report

    project = load_project(args.spec)
    plan = project.plan
    if args.html and not args.html.parent.is_dir():
        raise BuilderError(f"cannot write the HTML report to {args.html}: no directory {args.html.parent}",
                           hint="create the directory first, or pass --html with a path in one that exists")
    options = ReportOptions(start=not args.no_start, rebuild_root=project.root if args.rebuilds else None,
                            ca_cert=args.ca_cert)
    with engine_client() as client:
        report = make_report(plan, client, image=args.image or f"{plan.app_name}:latest", options=options,
                             on_progress=progress)
    if args.html:
        write_html(report, args.html)
        progress(f"wrote {args.html}")
    print(formats.to_json(report) if args.json else formats.markdown(report) if args.markdown
          else formats.table(report))
    return EXIT_OK if report.within_budgets else EXIT_FAILED

