"""trace: a project -> its trace file, proven: the slim image validated while recording, the static closure, the
list written, then the traced image built from it and validated and import-checked against the slim one."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from builder.build import BuildResult
from builder.containers import Run, engine_failures, sweep
from builder.plan import BuildPlan
from builder.project import Project
from builder.trace.diagnose import Missing, broken_imports, diagnose, differing_checks
from builder.trace.images import build_profile, with_profile
from builder.trace.inimage_run import Closure, import_check, static_closure
from builder.trace.record import collect, instrument, recording_folder
from builder.trace.tracefile import TraceHeader, format_trace, listed, read_trace, trace_path
from builder.validate.report import ValidationReport
from builder.validate.runner import validate_image

Say = Callable[[str], None]


@dataclass
class TraceOutcome:
    """What `builder trace` did and found; `passed` when the traced image behaves as the slim one."""

    plan: BuildPlan
    trace_file: Path
    slim: BuildResult
    slim_report: ValidationReport
    written: bool = False
    kept: list[str] = field(default_factory=list)
    kept_bytes: int = 0
    trace_only: int = 0
    static_only: int = 0
    analysis_problems: list[str] = field(default_factory=list)
    traced: BuildResult | None = None
    traced_report: ValidationReport | None = None
    differing: list[str] = field(default_factory=list)  # checks whose verdict changed
    broken: dict[str, str] = field(default_factory=dict)  # module -> its error in the traced image only
    missing: list[Missing] = field(default_factory=list)

    @property
    def app(self) -> str:
        return self.plan.app_name

    @property
    def passed(self) -> bool:
        done = self.slim_report.passed and self.traced_report is not None and self.traced_report.passed
        return done and not self.differing and not self.broken


def trace_project(project: Project, client: Any, *, verify_only: bool, ca_cert: Path | None, say: Say,
                  on_line: Say | None) -> TraceOutcome:
    """Trace the slim image (unless `verify_only`), write the trace file, then prove the traced image."""
    plan, run = project.plan, Run("trace", project.plan.app_name)
    with (engine_failures(f"tracing {plan.app_name}", retry="builder trace"), recording_folder() as folder,
          tempfile.TemporaryDirectory(prefix="builder-dockerfiles-") as dockerfiles):
        try:
            build = _builder(project, client, Path(dockerfiles), ca_cert=ca_cert, say=say, on_line=on_line)
            slim = build("slim")
            say("validating the slim image" + ("" if verify_only else " while recording what it opens and imports"))
            watch = None if verify_only else instrument(plan, folder)
            report = validate_image(with_profile(plan, "slim"), slim.tag, client, on_progress=say, instrument=watch)
            outcome = TraceOutcome(plan, trace_path(plan, project.root), slim, report)
            if not report.passed:
                return outcome  # a trace of a failing app proves nothing: fix the app first
            recorded = collect(folder)
            say("static analysis in the slim image: the import closure of the app's own modules")
            closure = static_closure(client, slim.tag, plan, folder, recorded.paths(), run=run)
            # What the run imported by name (a dialect chosen by URL, a worker class) is checked too.
            modules = sorted(set(closure.modules) | set(recorded.modules))
            say(f"import check in the slim image ({len(modules)} modules), recording what the imports read")
            # Importing a module the run never imported reads its data files and the modules it imports by name
            # (lib2to3's grammar, distutils' _sysconfigdata): static analysis alone cannot see those.
            slim_imports = import_check(client, slim.tag, plan, folder, modules, run=run,
                                        env=instrument(plan, folder).env)
            at_import = static_closure(client, slim.tag, plan, folder, collect(folder).paths(), run=run,
                                       resolve_only=True)
            if not verify_only:
                _write(outcome, project, closure, at_import, say=say)
            _verify(outcome, client, closure, folder, modules, slim_imports, build=build, say=say, run=run)
            return outcome
        finally:
            sweep(client, run)


def _builder(project: Project, client: Any, folder: Path, *, ca_cert: Path | None, say: Say,
             on_line: Say | None) -> Callable[[str], BuildResult]:
    def build(profile: str) -> BuildResult:
        say(f"building the {profile} image")
        result = build_profile(project.plan, project.root, client, profile=profile, folder=folder, ca_cert=ca_cert,
                               on_line=on_line)
        say(f"built {result.tag} ({result.size_bytes / 1e6:.1f} MB) in {result.seconds:.1f} s")
        if result.base.stand_in:
            say(f"base: {result.base.used} is a STAND-IN for {result.base.requested}: {result.base.note}")
        return result
    return build


def _write(outcome: TraceOutcome, project: Project, closure: Closure, at_import: Closure, *, say: Say) -> None:
    """The union of what the trace saw and what static analysis reaches (the closure, and what importing it read),
    less what the assembler adds anyway."""
    plan = project.plan
    static = {p for p in [*closure.static, *at_import.traced] if listed(plan, p)}
    traced = {p for p in closure.traced if listed(plan, p)}
    outcome.kept = sorted(static | traced)
    sizes = closure.sizes | at_import.sizes
    outcome.kept_bytes = sum(sizes.get(path, 0) for path in outcome.kept)
    # Counted against the closure alone: what importing it read includes what the run had imported as well.
    closure_only = {p for p in closure.static if listed(plan, p)}
    outcome.trace_only, outcome.static_only = len(traced - closure_only), len(static - traced)
    outcome.analysis_problems = closure.problems
    header = TraceHeader(plan.app_name, outcome.slim.tag, outcome.slim.base.used,
                         datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), project.spec_path.name)
    outcome.trace_file.write_text(format_trace(outcome.kept, header), encoding="utf-8")
    outcome.written = True
    say(f"wrote {outcome.trace_file.name}: {len(outcome.kept)} files, {outcome.kept_bytes / 1e6:.1f} MB")


def _verify(outcome: TraceOutcome, client: Any, closure: Closure, folder: Path, modules: list[str],
            slim_imports: dict[str, str], *, build: Callable[[str], BuildResult], say: Say, run: Run) -> None:
    """The traced image against the slim one: the same validation verdicts, and every module of the closure
    importing wherever it imports in the slim image."""
    plan = outcome.plan
    if not outcome.written:
        outcome.kept = read_trace(outcome.trace_file)
    outcome.traced = build("traced")
    say("validating the traced image")
    outcome.traced_report = validate_image(with_profile(plan, "traced"), outcome.traced.tag, client,
                                           on_progress=say)
    say("import check in the traced image")
    traced_imports = import_check(client, outcome.traced.tag, plan, folder, modules, run=run)
    outcome.differing = differing_checks(outcome.slim_report, outcome.traced_report)
    outcome.broken = broken_imports(slim_imports, traced_imports)
    outcome.missing = diagnose(outcome.slim_report, outcome.traced_report, outcome.broken, modules=closure.modules)

