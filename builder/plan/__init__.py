"""plan: AppSpec -> BuildPlan, every decision resolved, as plain data. No I/O.

The plan is the only thing later stages read: generate's targets, build, validate, doctor and report.
"""

from builder.plan.make import APP_DIR, APP_UID, RENDER_PORT, make_plan
from builder.plan.model import (
    AppUser,
    BuilderStage,
    BuildPlan,
    DependencyPlan,
    EnvBinding,
    FrameworkPlan,
    HealthPlan,
    HealthProbe,
    ImageTarget,
    PoolPlan,
    PortPlan,
    ProcessPlan,
    RenderPlan,
    RuntimeStage,
    ServerPlan,
    ServicePlan,
    SmokePlan,
)

__all__ = [
    "APP_DIR", "APP_UID", "RENDER_PORT", "AppUser", "BuildPlan", "BuilderStage", "DependencyPlan", "EnvBinding",
    "FrameworkPlan", "HealthPlan", "HealthProbe", "ImageTarget", "PoolPlan", "PortPlan", "ProcessPlan", "RenderPlan",
    "RuntimeStage", "ServerPlan", "ServicePlan", "SmokePlan", "make_plan",
]
