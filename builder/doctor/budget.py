"""Connection budget: every process's pool, at the most instances, against the database plan's connection cap."""

from __future__ import annotations

import re
from typing import Any

from builder.budget import ConnectionBudget, process_extras
from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import DoctorContext
from builder.findings import Finding
from builder.plan.model import BuildPlan
from builder.spec import SPEC_FILENAME

LEGACY_CAPS = {"starter": 97, "standard": 97, "pro": 97, "pro_plus": 197}  # Render's legacy instance types
CURRENT_PLAN = re.compile(r"^(?:basic|pro|accelerated)-(\d+)(mb|gb)$")


def connection_cap(plan: str) -> int | None:
    """Render Postgres max_connections for a plan: 100 under 8 GB, 200 under 16, 400 under 32, then 500."""
    if plan in LEGACY_CAPS:
        return LEGACY_CAPS[plan]
    if plan == "free":
        return 100
    match = CURRENT_PLAN.match(plan)
    if not match:
        return None
    gb = int(match.group(1)) / (1024 if match.group(2) == "mb" else 1)
    return 100 if gb < 8 else 200 if gb < 16 else 400 if gb < 32 else 500


def check(ctx: DoctorContext) -> list[Finding]:
    """The budget against the cap of the Render database the web service uses, if it uses one."""
    database = _database(ctx)
    if database is None:
        return []
    plan, where = database
    cap = connection_cap(plan)
    if cap is None:
        return [rules.BUDGET_UNKNOWN_PLAN.finding(
            f"cannot check the connection budget: `{plan}` is not a "
            "Render Postgres plan doctor knows", where=where)]
    budget = budget_for(ctx, cap)
    if budget.fits:
        return []
    return [rules.BUDGET_EXCEEDED.finding(
        f"connection budget exceeded on `{plan}`: "
        f"{budget.arithmetic()} (workers from {ctx.workers.source}; threads share their process's pool)",
        _fix(budget), ctx.spec_at("pool"))]


def budget_for(ctx: DoctorContext, cap: int) -> ConnectionBudget:
    """The budget as deployed: the blueprint's instances, the workers that run, the spec's pool."""
    pool = ctx.plan.pool
    return ConnectionBudget(ctx.instances, ctx.workers.count, pool.size, pool.max_overflow, cap, _extras(ctx))


def _fix(budget: ConnectionBudget) -> str:
    fitting = budget.fitting()
    bigger = "or a database plan with more memory (8 GB and up allow 200 connections)"
    if fitting is None:
        return f"run fewer instances or workers, {bigger}"
    setting = (f"set pool.max_overflow: {fitting.max_overflow}" if fitting.pool_size == budget.pool_size
               else f"set pool.size: {fitting.pool_size} and pool.max_overflow: {fitting.max_overflow}")
    return f"{setting} ({fitting.arithmetic()}), and have the app use it; {bigger}"


def _database(ctx: DoctorContext) -> tuple[str, Where] | None:
    """The Render database the web service uses, by plan: None when the app has no Render Postgres."""
    # Names as text only: render.yaml is the user's, and `name: []` must not crash the lookup.
    names = {str(ref.get("name")) for ref in _database_refs(ctx.web[1] if ctx.web else {})}
    for index, database in enumerate(ctx.databases):
        if isinstance(database.get("name"), str) and database["name"] in names:
            plan = database.get("plan", ctx.plan.render.database_plan)
            return str(plan), ctx.blueprint.at("databases", index, "plan")
    if ctx.plan.service("postgres") and not ctx.databases:
        return ctx.plan.render.database_plan, ctx.spec_at("render", "database_plan")
    return None


def _database_refs(service: dict[str, Any]) -> list[dict[str, Any]]:
    entries = service.get("envVars")
    return [e["fromDatabase"] for e in entries if isinstance(e, dict) and isinstance(e.get("fromDatabase"), dict)] \
        if isinstance(entries, list) else []


def _extras(ctx: DoctorContext) -> tuple[tuple[str, int], ...]:
    """Connections outside the web processes: the pre-deploy command, cron jobs, background workers, consoles."""
    extras = []
    if ctx.web_field("preDeployCommand"):
        extras.append(("release", 1))
    pool = ctx.plan.pool
    # A worker or cron job builder planned holds what its `connections` says; one it did not plan, a full pool.
    planned = {f"{ctx.plan.render.service_name}-{p.name}": p.connections for p in ctx.plan.processes}
    for service in ctx.services:
        kind, name = service.get("type"), service.get("name", "?")
        if service is (ctx.web[1] if ctx.web else None) or not _database_refs(service):
            continue
        if kind == "cron":
            extras.append((f"cron {name}", planned.get(str(name), 1)))
        elif kind in ("worker", "pserv", "web"):
            count = service.get("numInstances", 1) if isinstance(service.get("numInstances"), int) else 1
            extras.append((f"{kind} {name}", count * planned.get(str(name), pool.size + pool.max_overflow)))
    if pool.extra_connections:
        extras.append(("extra_connections", pool.extra_connections))
    return tuple(extras)


def kubernetes_check(ctx: DoctorContext) -> list[Finding]:
    """On Kubernetes the database is external: the most pods the Deployment runs against its max_connections."""
    k, plan = ctx.plan.kubernetes, ctx.plan
    if k is None or not (plan.service("postgres") or any("DATABASE_URL" in b.name for b in plan.env)):
        return []
    budget = ConnectionBudget(k.max_replicas, ctx.workers.count, plan.pool.size, plan.pool.max_overflow,
                              k.database_max_connections, _kubernetes_extras(plan), unit="pod")
    if budget.fits:
        return []
    field = "max_replicas" if k.max_replicas > k.min_replicas else "replicas"
    most = "the autoscaler's maximum" if field == "max_replicas" else "the replica count"
    per_pod = budget.workers * (budget.pool_size + budget.max_overflow)
    pods = (budget.usable - budget.extra_total) // per_pod
    scale = f"set kubernetes.{field}: {pods}, " if pods >= 1 else ""
    return [rules.BUDGET_KUBERNETES.finding(
        f"{most} exceeds the database's connections on Kubernetes: "
        f"{budget.arithmetic()} (workers from {ctx.workers.source})",
        f"{scale}shrink the pool (pool.size, pool.max_overflow), or raise kubernetes."
        "database_max_connections to your server's max_connections", ctx.spec_at("kubernetes", field))]


def _kubernetes_extras(plan: BuildPlan) -> tuple[tuple[str, int], ...]:
    """The release Job (or init container), worker Deployments (one pod each) and cron jobs, and the declared rest."""
    return process_extras(plan.processes, extra_connections=plan.pool.extra_connections)


def pool_check(ctx: DoctorContext) -> list[Finding]:
    """The app's own create_engine() pools against builder.yaml's pool, which every budget counts."""
    pool = ctx.plan.pool
    return [rules.BUDGET_POOL_MISMATCH.finding(
        f"pool in {SPEC_FILENAME} says size {pool.size} and max_overflow {pool.max_overflow}, but create_engine at "
        f"{engine.where.file}:{engine.where.line} opens up to {engine.size} + {engine.max_overflow} per process: the "
        "connection budget counts the wrong number",
        f"set pool: {{size: {engine.size}, max_overflow: {engine.max_overflow}}} in {SPEC_FILENAME} (or change "
        "the create_engine arguments)", ctx.spec_at("pool"))
        for engine in ctx.engine_pools if (engine.size, engine.max_overflow) != (pool.size, pool.max_overflow)]
