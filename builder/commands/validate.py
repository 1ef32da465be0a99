"""`builder validate`: the built image against real Postgres and Redis, or the generated compose stack."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from builder.commands import add, load_project, prepare_build, progress
from builder.errors import BuilderError
from builder.exits import EXIT_FAILED, EXIT_OK

ORDER = 10


def register(commands: Any) -> None:
    """validate."""
    validate = add(commands, "validate", "run the image against real Postgres and Redis containers and check "
                   "health, probes, smoke requests, outages and shutdown", _cmd_validate)
    validate.add_argument("--image", help="validate this image (default: generate and build the spec's image "
                          "first, as `builder build` does)")
    validate.add_argument("--json", action="store_true", help="print the report as JSON (progress stays on stderr)")
    validate.add_argument("--compose", action="store_true",
                          help="bring up the generated compose.yaml with Docker Compose v2 and check it instead")
    validate.add_argument("--strict", action="store_true", help="fail when a warning stands: a service ran as a "
                          "stand-in of another major version than the spec asks for")
    validate.add_argument("--load", action="store_true",
                          help="also run the image under bounded traffic (the spec's `load:`): steady load, memory per "
                          "worker, Postgres connections under a cap, a request slower than the worker timeout, and a "
                          "SIGTERM mid-traffic")
    validate.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT)")


def _cmd_validate(args: argparse.Namespace) -> int:
    from builder.engine import engine_client
    from builder.validate.compose import validate_compose
    from builder.validate.report import report_table
    from builder.validate.runner import validate_image

    project = load_project(args.spec)
    if args.load and args.compose:
        raise BuilderError("--load runs against the image's own containers, not the compose stack",
                           hint="run `builder validate --load` and `builder validate --compose` separately")
    if not args.image:  # like `builder build`: the image validated is the one the spec describes now
        prepare_build(project, dockerfile=project.plan.images[0].filename, regenerate=True, say=progress)
    with engine_client() as client:
        image = args.image or _build(project.plan, project.root, client, ca_cert=args.ca_cert, quiet=args.json)
        if args.compose:
            report = validate_compose(project.plan, project.root, image, client, on_progress=progress)
        else:
            report = validate_image(project.plan, image, client, on_progress=progress, load=args.load)
    report = replace(report, strict=args.strict)
    print(report.to_json() if args.json else report_table(report))
    return EXIT_OK if report.passed else EXIT_FAILED


def _build(plan: Any, root: Path, client: Any, *, ca_cert: Path | None, quiet: bool) -> str:
    from builder.build import build_image

    progress(f"building the image from the files in {root}")
    result = build_image(plan, root, client, ca_cert=ca_cert, on_line=None if quiet else progress)
    progress(f"built {result.tag} from {result.dockerfile} in {result.seconds:.1f} s")
    return result.tag

