"""`builder trace`: record what the app really uses under validation, write builder.trace, prove the traced image."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.commands import add, load_project, prepare_build, progress
from builder.exits import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    from builder.trace.run import TraceOutcome

ORDER = 11


def register(commands: Any) -> None:
    """trace."""
    trace = add(commands, "trace", "validate the slim image while recording every file and module its processes "
                "use, write builder.trace (that plus the app's static import closure), then build the traced image "
                "from it and prove it passes the same validation and imports every module", _cmd_trace)
    trace.add_argument("--verify", action="store_true", help="do not trace again: build the traced image from the "
                       "committed trace file as it is and prove it against the slim image")
    trace.add_argument("--json", action="store_true", help="print the outcome as JSON (progress stays on stderr)")
    trace.add_argument("--ca-cert", type=Path, help="extra CA for TLS-intercepting proxies (or $BUILDER_CA_CERT)")


def _cmd_trace(args: argparse.Namespace) -> int:
    from builder.engine import engine_client
    from builder.trace.run import trace_project

    project = load_project(args.spec)
    # The generated files stay as they are (the trace writes only its own file), but a stale lock still stops it.
    prepare_build(project, dockerfile=project.plan.images[0].filename, regenerate=False, say=progress, chosen=True)
    with engine_client() as client:
        outcome = trace_project(project, client, verify_only=args.verify, ca_cert=args.ca_cert, say=progress,
                                on_line=None if args.json else progress)
    print(json.dumps(outcome_dict(outcome), indent=2) if args.json else summary(outcome))
    return EXIT_OK if outcome.passed else EXIT_FAILED


def outcome_dict(outcome: TraceOutcome) -> dict[str, Any]:
    traced = outcome.traced
    return {
        "app": outcome.app, "passed": outcome.passed, "trace_file": str(outcome.trace_file),
        "written": outcome.written, "files_kept": len(outcome.kept), "kept_mb": round(outcome.kept_bytes / 1e6, 1),
        "trace_only": outcome.trace_only, "static_only": outcome.static_only,
        "slim": {"image": outcome.slim.tag, "size_mb": round(outcome.slim.size_bytes / 1e6, 1),
                 "base": outcome.slim.base.used, "stand_in": outcome.slim.base.stand_in,
                 "validation": outcome.slim_report.to_dict()},
        "traced": None if traced is None or outcome.traced_report is None else {
            "image": traced.tag, "size_mb": round(traced.size_bytes / 1e6, 1),
            "validation": outcome.traced_report.to_dict()},
        "differing_checks": outcome.differing, "broken_imports": outcome.broken,
        "missing": [vars(item) for item in outcome.missing], "analysis_problems": outcome.analysis_problems,
    }


def summary(outcome: TraceOutcome) -> str:
    """What was kept and whether the traced image holds up, for a terminal."""
    from builder.validate.report import report_table

    slim_mb = outcome.slim.size_bytes / 1e6
    lines = [f"trace {outcome.app}: slim image {outcome.slim.tag}, {slim_mb:.1f} MB"]
    if not outcome.slim_report.passed:
        return "\n".join([*lines, report_table(outcome.slim_report), "",
                          "FAILED: the slim image does not pass validation, so no trace was taken; "
                          "fix that first (`builder validate`)"])
    if outcome.written:
        lines.append(f"  wrote {outcome.trace_file.name}: {len(outcome.kept)} files, {outcome.kept_bytes / 1e6:.1f} "
                     f"MB listed (slim image {slim_mb:.1f} MB); {outcome.trace_only} from the trace only, "
                     f"{outcome.static_only} from static analysis only")
    lines += [f"  static analysis could not read {problem}" for problem in outcome.analysis_problems]
    if outcome.traced is not None:
        lines.append(f"  traced image {outcome.traced.tag}: {outcome.traced.size_bytes / 1e6:.1f} MB")
    if outcome.passed:
        return "\n".join([*lines, "traced image passed the same validation and imports every module: "
                          f"commit {outcome.trace_file.name}"])
    return "\n".join([*lines, *_failure(outcome)])


def _failure(outcome: TraceOutcome) -> list[str]:
    from builder.trace.diagnose import HINT
    from builder.validate.report import report_table

    lines = [""]
    if outcome.traced_report is not None and outcome.differing:
        lines += [report_table(outcome.traced_report), "",
                  "checks that differ from the slim image: " + ", ".join(outcome.differing)]
    lines += [f"import fails in the traced image only: {module}: {error}" for module, error in outcome.broken.items()]
    lines += [f"  {item.describe()}" for item in outcome.missing]
    lines += ["FAILED: the traced image does not behave as the slim image; it must not ship.",
              "hint: " + HINT.format(trace=outcome.trace_file.name)]
    return lines
