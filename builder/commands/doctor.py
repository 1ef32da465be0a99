"""`builder doctor`: Render and database pitfalls, found before a deploy."""

from __future__ import annotations

import argparse
import os
from typing import Any

from builder.commands import add
from builder.exits import EXIT_FAILED, EXIT_OK

ORDER = 50


def register(commands: Any) -> None:
    doctor = add(commands, "doctor", "find Render and database pitfalls before deploying: connection values, "
                 "connection budget, process model, blueprint, files at run time, Python version", _cmd_doctor)
    output = doctor.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the findings as JSON")
    output.add_argument("--sarif", action="store_true", help="print the findings as SARIF 2.1.0")
    doctor.add_argument("--fail-on", default="medium", metavar="SEVERITY",
                        help="exit 1 when a finding is this severe or worse: info, low, medium, high, critical "
                        "(default: medium)")
    doctor.add_argument("--image", metavar="TAG", help="also check the built image: the paths the app writes to "
                        "are writable by its non-root user, and its Python matches")
    doctor.add_argument("--no-environ", action="store_true",
                        help="leave the process environment out (by default the variables the app declares are read)")


def _cmd_doctor(args: argparse.Namespace) -> int:
    from builder import findings
    from builder.commands import load_project
    from builder.commands.findings_out import spec_context
    from builder.doctor import diagnose, gather, probe_image, runtime_paths
    from builder.ignores import apply_ignores
    from builder.sarif import to_sarif

    threshold = findings.Severity.parse(args.fail_on)
    project = load_project(args.spec)
    ctx = gather(project, environ={} if args.no_environ else os.environ)
    image = None
    if args.image:
        from builder.engine import engine_client

        with engine_client() as client:
            image = probe_image(client, args.image, runtime_paths(ctx))
    context = spec_context(project.spec, project.spec_path, args.image)
    # Doctor's files are relative to the spec's directory.
    found = apply_ignores(diagnose(ctx, image=image), context.ignore, base=project.root, spec_root=project.root)
    if args.json:
        print(findings.to_json(found))
    elif args.sarif:
        print(to_sarif(found, where=context.locator(project.root), tool="builder doctor"))
    else:
        print(findings.table(found))
    return EXIT_FAILED if findings.fails(found, threshold) else EXIT_OK
