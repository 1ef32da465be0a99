"""The steps of `builder ci`, in order, each timed; a failed step stops the ones after it.

Each step calls a stage as a function (the same ones the commands call) and returns a one-line detail, or raises
StepFailed (a check that did not pass) or BuilderError (it could not run). The exit code says which step failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from builder.ci.tags import Commit, cache_sources, push_tags
from builder.errors import BuilderError

if TYPE_CHECKING:
    from builder.build import BuildResult
    from builder.findings import Finding
    from builder.plan import BuildPlan
    from builder.project import Project
    from builder.registry import Registry
    from builder.validate.report import ValidationReport

Status = Literal["passed", "failed", "skipped"]


class StepFailed(Exception):
    """A step ran and its check did not pass; the message is the one line the summary shows."""


@dataclass(frozen=True)
class CiOptions:
    image: str | None  # the registry repository; None: no registry cache, nothing to push
    push: bool
    out: Path
    fail_on: str = "medium"
    skip: frozenset[str] = frozenset()
    db_dir: Path | None = None
    ca_cert: Path | None = None


@dataclass
class CiRun:
    """What one run knows: the inputs, and what each step left for the ones after it and for the reports."""

    project: Project
    options: CiOptions
    commit: Commit
    say: Callable[[str], None]
    resources: ExitStack = field(default_factory=ExitStack)
    built: BuildResult | None = None
    validation: ValidationReport | None = None
    pushed: list[str] = field(default_factory=list)
    _client: Any = None
    _registry: Registry | None = None

    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def plan(self) -> BuildPlan:
        return self.project.plan

    def client(self) -> Any:
        """The engine, opened by the first step that needs it and closed when the run ends."""
        if self._client is None:
            from builder.engine import engine_client

            self._client = self.resources.enter_context(engine_client())
        return self._client

    def registry(self) -> Registry | None:
        if self._registry is None and self.options.image:
            from builder.engine import find_buildkit_cli
            from builder.registry import registry_for

            self._registry = self.resources.enter_context(registry_for(self.options.image, find_buildkit_cli().path))
        return self._registry


@dataclass(frozen=True)
class StepResult:
    name: str
    status: Status
    seconds: float
    detail: str
    exit_code: int


@dataclass(frozen=True)
class Step:
    name: str
    exit_code: int  # `builder ci` exits with this when the step fails
    run: Callable[[CiRun], str]
    does: str


def run_steps(run: CiRun, steps: tuple[Step, ...]) -> list[StepResult]:
    """Each step in order until one fails; the rest are skipped, saying why."""
    results: list[StepResult] = []
    for step in steps:
        reason = _skip_reason(run, step, results)
        if reason:
            results.append(StepResult(step.name, "skipped", 0.0, reason, step.exit_code))
            continue
        run.say(f"==> {step.name}: {step.does}")
        results.append(timed(step, run))
        run.say(f"    {results[-1].status} in {results[-1].seconds:.1f} s: {results[-1].detail}")
    return results


def _skip_reason(run: CiRun, step: Step, done: list[StepResult]) -> str:
    failed = next((r.name for r in done if r.status == "failed"), None)
    if failed:
        return f"not run: {failed} failed"
    if step.name in run.options.skip:
        return "not run: --skip"
    if step.name == "push" and not run.options.push:
        return "not run: no --push"
    return ""


def timed(step: Step, run: CiRun) -> StepResult:
    started = time.monotonic()
    try:
        status: Status = "passed"
        detail = step.run(run)
    except StepFailed as failed:
        status, detail = "failed", str(failed)
    except BuilderError as error:
        status, detail = "failed", error.message + (f" ({error.hint})" if error.hint else "")
    return StepResult(step.name, status, round(time.monotonic() - started, 2), detail, step.exit_code)


def lock_step(run: CiRun) -> str:
    from builder.lock.check import check_lock

    check = check_lock(run.project.spec, run.root)
    if not check.fresh:
        raise StepFailed(f"{check.lock} is stale: {'; '.join(check.reasons)} (run `builder lock` and commit it)")
    return f"{check.lock} matches its inputs"


def generate_step(run: CiRun) -> str:
    from builder.generate import check_artifacts
    from builder.targets import artifacts_for

    drifts = check_artifacts(run.root, artifacts_for(run.plan))
    if drifts:
        names = ", ".join(f"{d.path.relative_to(run.root)} ({d.reason})" for d in drifts)
        raise StepFailed(f"generated files out of date: {names} (run `builder generate` and commit the result)")
    return "generated files are up to date"


def build_step(run: CiRun) -> str:
    from builder.build import BuildCache, build_image
    from builder.report.history import record_build

    registry = run.registry()
    sources = cache_sources(run.options.image, run.commit, run.plan.ci.push_branch) if run.options.image else []
    present, notes = registry.pull_cache(sources) if registry else ([], [])
    for note in notes:
        run.say(f"    {note}")
    cache = BuildCache(tuple(present), inline=True, docker_config=registry.config_dir if registry else None)
    run.built = build_image(run.plan, run.root, run.client(), tag=run.plan.ci.local_tag, ca_cert=run.options.ca_cert,
                            cache=cache, on_line=lambda line: run.say(f"    {line}"))
    record_build(run.built, run.client())
    over = [b.describe() for b in run.built.budgets if not b.passed]
    if over:
        raise StepFailed("; ".join(over))
    cached = f", cache from {', '.join(present)}" if present else ", no registry cache"
    return f"{run.built.tag}, {run.built.size_bytes / 1e6:.1f} MB in {run.built.seconds:.1f} s{cached}"


def lint_step(run: CiRun) -> str:
    from builder.quality.gates import combine, lint_files, lint_images

    ignore = run.project.spec.ignore
    report = combine(lint_files([run.root]), lint_images(run.client(), [_image(run)], ignore=ignore))
    return _findings(run, report.findings, report.notes, sarif=run.options.out / "lint.sarif")


def scan_step(run: CiRun) -> str:
    from builder.quality.gates import combine, scan_files, scan_image

    sbom = run.options.out / "sbom.cdx.json"
    report = combine(scan_files([run.root], db_dir=run.options.db_dir),
                     scan_image(run.client(), _image(run), sbom=sbom, db_dir=run.options.db_dir,
                                ignore=run.project.spec.ignore))
    return _findings(run, report.findings, report.notes, sarif=run.options.out / "scan.sarif")


def validate_step(run: CiRun) -> str:
    from builder.validate.runner import validate_image

    run.validation = validate_image(run.plan, _image(run), run.client(),
                                    on_progress=lambda line: run.say(f"    {line}"))
    failed, total = len(run.validation.failures), len(run.validation.checks)
    if not run.validation.passed:
        names = ", ".join(check.name for check in run.validation.failures)
        raise StepFailed(f"{failed} of {total} checks failed: {names}")
    return f"all {total} checks passed"


def push_step(run: CiRun) -> str:
    registry, image = run.registry(), run.options.image
    assert registry is not None and image is not None  # ci refuses --push without an image before any step
    refs = push_tags(image, run.commit)
    if not refs:
        raise StepFailed("no commit SHA, branch or version to tag the image with (run in a git checkout)")
    for ref in refs:
        registry.tag(_image(run), ref)
        registry.push(ref)
        run.pushed.append(ref)
    return f"pushed {', '.join(refs)}"


def _image(run: CiRun) -> str:
    if run.built is None:
        raise StepFailed("no image: the build step did not run")
    return run.built.image_id


def _findings(run: CiRun, findings: list[Finding], notes: list[str], *, sarif: Path) -> str:
    from builder.commands.findings_out import spec_context
    from builder.findings import Severity, active, fails, worst
    from builder.ignores import apply_ignores
    from builder.sarif import to_sarif

    context = spec_context(run.project.spec, run.project.spec_path, _image(run))
    # lint and scan show files relative to the working directory (quality.targets.shown).
    findings = apply_ignores(findings, context.ignore, base=Path.cwd(), spec_root=run.root)
    sarif.write_text(to_sarif(findings, where=context.locator(Path.cwd()), notes=notes) + "\n", encoding="utf-8")
    for note in notes:
        run.say(f"    note: {note}")
    top = worst(findings)
    summary = f"{len(active(findings))} finding(s)" + (f", worst {top.name.lower()}" if top is not None else "")
    if run.options.fail_on != "never" and fails(findings, Severity.parse(run.options.fail_on)):
        ids = ", ".join(dict.fromkeys(f.id for f in active(findings)
                                      if f.severity >= Severity.parse(run.options.fail_on)))
        raise StepFailed(f"{summary} at or above {run.options.fail_on}: {ids}; SARIF in {sarif}")
    return f"{summary}; SARIF in {sarif}"


STEPS: tuple[Step, ...] = (
    Step("lock", 10, lock_step, "the lock matches its inputs (lock --check)"),
    Step("generate", 11, generate_step, "the generated files match builder.yaml (generate --check)"),
    Step("build", 12, build_step, "build the image, the registry's layers as cache, inline cache metadata"),
    Step("lint", 13, lint_step, "builder's policy and hadolint on the files and the image"),
    Step("scan", 14, scan_step, "lint's checks plus trivy, and the SBOM"),
    Step("validate", 15, validate_step, "the image against real Postgres and Redis"),
    Step("push", 16, push_step, "tag with the commit SHA, branch and version, and push"),
)
