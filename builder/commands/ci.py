"""`builder ci`: the whole CI build stage in one command; the exit code names the step that failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.commands import add, load_project, progress
from builder.exits import EXIT_OK

if TYPE_CHECKING:
    from builder.ci.steps import CiRun, StepResult

ORDER = 15
EXIT_REPORTS = 17  # every step passed but the summary or JUnit file could not be written


def register(commands: Any) -> None:
    """ci."""
    from builder.ci.steps import STEPS

    codes = ", ".join(f"{step.exit_code} {step.name}" for step in STEPS)
    ci = add(commands, "ci", "the CI build stage: lock and generate checks, build with the registry cache, lint, "
             f"scan, validate, reports, push. Exit codes: {codes}, {EXIT_REPORTS} reports", _cmd_ci)
    ci.add_argument("--image", metavar="REPOSITORY", help="registry repository to cache from and push to "
                    "(default: ci.image in builder.yaml; none: no registry cache)")
    ci.add_argument("--push", action="store_true", help="tag the image with the commit SHA, branch and version "
                    "and push them (credentials: $BUILDER_REGISTRY_USER and $BUILDER_REGISTRY_PASSWORD, else "
                    "`docker login`)")
    ci.add_argument("--out", type=Path, metavar="DIR", help="where the SARIF, SBOM, JUnit and summary files go "
                    "(default: builder-ci beside builder.yaml)")
    ci.add_argument("--fail-on", default="medium", choices=("info", "low", "medium", "high", "critical", "never"),
                    metavar="SEVERITY", help="lint and scan fail at findings this severe (default: medium)")
    ci.add_argument("--skip", action="append", default=[], choices=[step.name for step in STEPS],
                    metavar="STEP", help="leave a step out (repeatable)")
    ci.add_argument("--db-dir", type=Path, metavar="DIR", help="trivy's offline vulnerability database, for scan")
    ci.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT)")


def _cmd_ci(args: argparse.Namespace) -> int:
    from builder.ci.reports import write_reports
    from builder.ci.steps import STEPS, run_steps

    run = _prepare(args)
    with run.resources:
        results = run_steps(run, STEPS)
        try:
            written = write_reports(run, results)
        except OSError as exc:
            print(f"error: the CI reports could not be written: {exc}", file=sys.stderr)
            written = []
    print(_table(results))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    failed = next((r for r in results if r.status == "failed"), None)
    if failed:
        print(f"builder ci: {failed.name} failed (exit {failed.exit_code})", file=sys.stderr)
        return failed.exit_code
    return EXIT_OK if written else EXIT_REPORTS


def _prepare(args: argparse.Namespace) -> CiRun:
    from builder.ci.steps import CiOptions, CiRun
    from builder.ci.tags import this_commit
    from builder.errors import BuilderError

    project = load_project(args.spec)
    plan = project.plan
    image = args.image or plan.ci.image
    if args.push and not image:
        raise BuilderError("--push needs a registry repository", field="ci.image",
                           hint="pass --image ghcr.io/acme/app, or set ci.image in builder.yaml")
    out = args.out or project.root / plan.ci.files.out_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuilderError(f"cannot create {out}: {exc.strerror}",
                           hint="pass --out with a writable directory") from None
    options = CiOptions(image=image, push=args.push, out=out, fail_on=args.fail_on, skip=frozenset(args.skip),
                        db_dir=args.db_dir, ca_cert=args.ca_cert)
    return CiRun(project=project, options=options, commit=this_commit(project.root), say=progress)


def _table(results: list[StepResult]) -> str:
    width = max(len(r.name) for r in results)
    return "\n".join(f"{r.status.upper():<7}  {r.name:<{width}}  {r.seconds:6.1f} s  {r.detail}" for r in results)
