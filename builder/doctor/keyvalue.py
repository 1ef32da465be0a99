"""Render Key Value: a Redis maxmemory that the Key Value plan's memory cannot hold."""

from __future__ import annotations

from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import DoctorContext
from builder.findings import Finding

# Render Key Value plans' memory in MB, as Render's pricing page lists it (an assumption: Render may change it).
KEYVALUE_MEMORY_MB = {"free": 25, "starter": 256, "standard": 1024, "pro": 5120, "pro plus": 10240}
_UNITS_MB = {"kb": 1 / 1024, "mb": 1, "gb": 1024}


def check(ctx: DoctorContext) -> list[Finding]:
    redis = next((s for s in ctx.plan.services if s.kind == "redis" and not s.external), None)
    if redis is None or "maxmemory" not in redis.settings:
        return []
    plan, plan_where = _keyvalue_plan(ctx)
    memory = KEYVALUE_MEMORY_MB.get(plan.replace("_", " "))
    wanted = _megabytes(redis.settings["maxmemory"])
    if memory is None or wanted <= memory:
        return []
    bigger = next((name for name, mb in KEYVALUE_MEMORY_MB.items() if mb >= wanted), "pro plus")
    where = ctx.spec_at("services", "redis", "maxmemory")
    fix = (f"lower services.redis.maxmemory to {memory}mb, or set render.keyvalue_plan: {bigger}, in builder.yaml"
           if ctx.blueprint_from_spec else
           f"lower services.redis.maxmemory to {memory}mb in builder.yaml, or choose the `{bigger}` plan in "
           f"render.yaml ({plan_where.file}:{plan_where.line})")
    return [rules.KV_MEMORY.finding(
        f"services.redis.maxmemory is {redis.settings['maxmemory']}, but Render's Key Value `{plan}` plan has "
        f"{memory} MB: validation runs with more memory than production, where Redis evicts (or refuses writes) "
        "far sooner", fix, where)]


def _keyvalue_plan(ctx: DoctorContext) -> tuple[str, Where]:
    """The Key Value plan Render gets: builder.yaml's when render.yaml comes from it, else render.yaml's."""
    if not ctx.blueprint_from_spec:
        for index, service in enumerate(ctx.services):
            if service.get("type") in ("keyvalue", "redis"):
                return str(service.get("plan", "starter")), ctx.blueprint.at("services", index, "plan")
    return ctx.plan.render.keyvalue_plan, ctx.spec_at("render", "keyvalue_plan")


def _megabytes(memory: str) -> float:
    return float(memory[:-2]) * _UNITS_MB.get(memory[-2:].lower(), 1)
