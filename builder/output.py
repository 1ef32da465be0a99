"""Text the CLI prints: errors, reports and summaries. Pure formatting of data the stages returned."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.errors import BuilderError

if TYPE_CHECKING:
    from builder.build import BuildResult
    from builder.generate import Drift, FileOutcome
    from builder.plan import BuildPlan, ServicePlan


def error_text(exc: BuilderError) -> str:
    """error: what\n  --> where\n  hint: what to do; one block per problem."""
    problems = getattr(exc, "problems", ()) or (exc,)
    blocks = [f"error: {exc.message}"] if len(problems) > 1 else []
    for problem in problems:
        lines = [f"error: {problem.message}"]
        if where := problem.location():
            lines.append(f"  --> {where}")
        if problem.hint:
            lines.append(f"  hint: {problem.hint}")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def error_json(exc: BuilderError) -> dict[str, Any]:
    """{"error": {...}}: the message, hint, place and kind of an error, and each problem of a grouped one."""
    def one(problem: BuilderError) -> dict[str, Any]:
        return {"message": problem.message, "hint": problem.hint, "file": str(problem.file) if problem.file else None,
                "line": problem.line, "field": problem.field or None}

    problems = getattr(exc, "problems", ()) or ()
    return {"error": {**one(exc), "kind": type(exc).__name__, "problems": [one(p) for p in problems]}}


def generate_report(outcomes: list[FileOutcome], root: Path) -> str:
    lines = [f"  {_rel(o.path, root):<18} {o.action.value}" + (f": {o.note}" if o.note else "") for o in outcomes]
    if any(o.kept for o in outcomes):
        lines.append("Files marked `kept` were left alone, so builder.yaml changes do not reach them: merge by hand, "
                     "or `builder generate --force` to replace them (the hand edits are lost).")
    return "\n".join(lines)


def drift_report(drifts: list[Drift], root: Path) -> str:
    if not drifts:
        return "generated files are up to date"
    parts = [f"{_rel(d.path, root)}: {d.reason}\n{d.diff}" for d in drifts]
    fix = "run `builder generate` and commit the result"
    if any(d.hand_edited for d in drifts):
        fix += "; files edited by hand need merging by hand, or `builder generate --force` (losing the edits)"
    parts.append(f"{len(drifts)} generated file(s) out of date: {fix}.")
    return "\n".join(parts)


def plan_summary(plan: BuildPlan) -> str:
    r = plan.runtime
    workers = plan.server.workers or f"WEB_CONCURRENCY, else 2 x cpus + 1 up to {plan.server.max_workers}"
    lines = [
        f"app        {plan.app_name} ({plan.app_module}), {plan.framework.name} {plan.framework.kind}, "
        f"Python {plan.python_version}",
        f"base       {plan.base.official}" + (f" (stand-in: {plan.base.stand_in})" if plan.base.stand_in else ""),
        f"install    {plan.builder.install.installer} from {plan.builder.requirements}",
        f"build pkgs {' '.join(plan.builder.system_packages) or '-'}",
        f"run pkgs   {' '.join(r.system_packages) or '-'}",
        f"runtime    {_profile_words(r)}",
        f"user       {r.user.name} uid {r.user.uid}, writable: {' '.join(r.writable_paths) or '-'}",
        f"server     gunicorn {plan.server.worker_class}, workers {workers}, threads {plan.server.threads}",
        f"health     {plan.health.liveness} every {r.healthcheck.interval_s}s, readiness "
        f"{plan.health.readiness or '-'}" + (" (builder_probes.py, in front of the app)"
                                              if plan.health.provider == "builder" else ""),
        f"command    {' '.join(r.command)}",
        f"release    {' '.join(plan.release_command) if plan.release_command else '-'}",
        f"services   {', '.join(_service_words(s) for s in plan.services) or '-'}",
        *(f"process    {p.name} ({p.kind}, {p.program}{', ' + p.schedule if p.schedule else ''}): "
          f"{' '.join(p.command)}" for p in plan.processes if p.kind in ("worker", "cron")),
        f"render     {plan.render.plan} in {plan.render.region}",
        f"kubernetes {_kubernetes_summary(plan)}",
    ]
    filled = [f"default    {d} ({plan.framework.name})" for d in plan.framework.defaults]
    return "\n".join(lines + filled + [f"note       {n}" for n in plan.render.notes])


def _service_words(service: ServicePlan) -> str:
    return f"{service.kind} {service.version}" + (" (external)" if service.external else "")


def _kubernetes_summary(plan: BuildPlan) -> str:
    k = plan.kubernetes
    if k is None:
        return "- (add a `kubernetes:` section for k8s/ manifests)"
    pods = f"{k.min_replicas}-{k.max_replicas} pods (autoscaled)" if k.max_replicas > k.min_replicas \
        else f"{k.replicas} pod{'s' if k.replicas > 1 else ''}"
    release = f", release as {'a Job' if k.release == 'job' else 'an init container'}" if plan.release_command else ""
    return f"k8s/ in namespace {k.namespace}: {pods}{release}"


def build_report(result: BuildResult) -> str:
    base = result.base
    with_files = sum(1 for layer in result.layers if layer.size_bytes)
    lines = [
        f"image      {result.tag} ({result.image_id[:19]}), built from {result.dockerfile}",
        f"size       {result.size_bytes / 1e6:.1f} MB in {with_files} layers holding files "
        f"({len(result.layers)} build steps)",
        f"build time {result.seconds:.1f} s, BuildKit through {result.buildkit}",
        f"base       {base.used}" + (f"  (STAND-IN for {base.requested})" if base.stand_in else ""),
    ]
    if base.note:
        lines.append(f"           {base.note}")
    lines += [f"budget     {check.describe()}" for check in result.budgets]
    biggest = sorted(result.layers, key=lambda layer: layer.size_bytes, reverse=True)[:5]
    lines.append("largest layers:")
    lines += [f"  {layer.size_bytes / 1e6:8.1f} MB  {_short(layer.created_by)}" for layer in biggest]
    return "\n".join(lines)


def stand_in_line(result: Any) -> str:
    verb = "reused" if result.reused else f"built in {result.seconds:.0f} s"
    return f"{result.name:<42} {result.size_bytes / 1e6:7.1f} MB  {verb}  (stand-in for {result.official})"


def _short(created_by: str) -> str:
    text = " ".join(created_by.replace("/bin/sh -c #(nop) ", "").split()) or "(base image)"
    return text if len(text) <= 90 else text[:87] + "..."


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _profile_words(runtime: Any) -> str:
    """`builder plan`'s line for runtime.profile."""
    if runtime.profile == "slim":
        return "slim: the Python base image, with its shell"
    kept = f"the files {runtime.trace_file} lists" if runtime.profile == "traced" else "the standard library"
    extra = ", bytecode only" if runtime.bytecode_only else ""
    return f"{runtime.profile}: no shell, apt or setuid; the interpreter, {kept}, the virtualenv{extra}"

