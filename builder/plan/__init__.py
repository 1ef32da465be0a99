"""plan: AppSpec -> BuildPlan, every decision resolved, as plain data. No I/O.

The plan is the only thing later stages read: generate's targets, build, validate, doctor and report. This package
exports the plan's data types; `builder.plan.make.make_plan` makes one (called by builder.project alone), kept out of
this namespace so the variants that fill a plan (frameworks, processes, services) can import its types.
"""

from builder.plan.model import (
    APP_DIR,
    APP_UID,
    RENDER_PORT,
    AppUser,
    BuilderStage,
    BuildPlan,
    DependencyPlan,
    EnvBinding,
    FrameworkCheck,
    FrameworkPlan,
    HealthPlan,
    HealthProbe,
    ImageTarget,
    JobProofPlan,
    LoadPlan,
    PoolPlan,
    PortPlan,
    ProcessPlan,
    ReadinessCheck,
    RenderPlan,
    RuntimeStage,
    ServerPlan,
    ServicePlan,
    SmokePlan,
)

__all__ = [
    "APP_DIR", "APP_UID", "RENDER_PORT", "AppUser", "BuildPlan", "BuilderStage", "DependencyPlan", "EnvBinding",
    "FrameworkCheck", "FrameworkPlan", "HealthPlan", "HealthProbe", "ImageTarget", "JobProofPlan", "LoadPlan",
    "PoolPlan", "PortPlan", "ProcessPlan", "ReadinessCheck", "RenderPlan", "RuntimeStage", "ServerPlan",
    "ServicePlan", "SmokePlan",
]
