"""make_plan: the one place decisions are made from a spec (and the lock's recorded facts)."""

from __future__ import annotations

from builder.bases import python_base
from builder.frameworks import choose_framework
from builder.lock.lockfile import LockFacts
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
    RenderPlan,
    RuntimeStage,
    ServerPlan,
    SmokePlan,
)
from builder.processes import plan_processes
from builder.services import planned_services
from builder.spec import AppSpec
from builder.variants import LOCK_MOUNT, VENV, ServerChoice, choose_installer, choose_server

APP_DIR = "/app"
APP_UID = 10001
RENDER_PORT = 10000  # Render's default $PORT
VALIDATION_PORTS = (18080, 18081, 18082)


def make_plan(spec: AppSpec, *, lock: LockFacts | None = None) -> BuildPlan:
    """Resolve every decision the generated files, the build and the checks need.

    `lock` is what `builder lock` recorded in the lock file: the system packages its source builds need join the
    spec's own. Without it (no lock yet) the plan takes the spec's packages alone.
    """
    framework = choose_framework(spec)
    spec, filled = framework.fill(spec)
    lock = lock or LockFacts(spec.dependencies.lock)
    runtime = _runtime(spec, lock)
    server = _server(spec, choose_server(spec))
    processes = plan_processes(spec, web_command=runtime.command, server=server)
    release = next((p.command for p in processes if p.kind == "release"), None)
    return BuildPlan(
        app_name=spec.name,
        python_version=spec.python,
        base=python_base(spec.python),
        app_module=spec.app.module,
        framework=FrameworkPlan(framework.name if framework.name != "generic" else spec.app.kind, spec.app.kind,
                                filled),
        builder=BuilderStage(
            system_packages=sorted({*spec.system_packages.build, *lock.build_packages}),
            requirements=spec.dependencies.lock,
            lock_mount=LOCK_MOUNT,
            install=choose_installer(spec, LOCK_MOUNT),
            source_builds=list(lock.source_builds),
        ),
        runtime=runtime,
        images=[
            ImageTarget("Dockerfile", spec.port, "local runs, compose and CI"),
            ImageTarget("Dockerfile.render", RENDER_PORT, "Render: binds 0.0.0.0:$PORT, PORT defaults to 10000"),
        ],
        ports=PortPlan(spec.port, RENDER_PORT, next(p for p in VALIDATION_PORTS if p not in (spec.port, RENDER_PORT))),
        server=server,
        health=HealthPlan(spec.health.liveness, spec.health.readiness),
        smoke=[SmokePlan(r.method, r.path, r.json_body, r.status, r.body_contains) for r in spec.smoke],
        processes=processes,
        release_command=release,
        env=_env(spec),
        services=planned_services(spec),
        pool=PoolPlan(spec.pool.size, spec.pool.max_overflow, spec.pool.extra_connections),
        dependencies=DependencyPlan(spec.dependencies.requirements, spec.dependencies.lock),
        render=_render(spec),
        budgets={k: v for k, v in spec.budgets.model_dump().items() if v is not None},
    )


def _runtime(spec: AppSpec, lock: LockFacts) -> RuntimeStage:
    python = f"{VENV}/bin/python"
    health_url = f"'http://127.0.0.1:'+os.environ.get('PORT','{spec.port}')+'{spec.health.liveness}'"
    probe = HealthProbe(
        path=spec.health.liveness,
        # urlopen raises on a refused connection or a status >= 400, so the exit code says healthy or not.
        command=[python, "-c", f"import os,urllib.request as u;u.urlopen({health_url},timeout=4)"],
    )
    return RuntimeStage(
        system_packages=sorted({*spec.system_packages.runtime, *lock.runtime_packages}),
        user=AppUser("app", APP_UID, APP_UID),
        workdir=APP_DIR,
        venv=VENV,
        python=python,
        writable_paths=list(spec.writable_paths),
        build_steps=list(spec.build_steps),
        env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "PATH": f"{VENV}/bin:$PATH"},
        labels={
            "org.opencontainers.image.title": spec.name,
            "org.opencontainers.image.description": f"{spec.name} ({spec.app.kind} {spec.app.module}) built by builder",
        },
        healthcheck=probe,
        command=["gunicorn", "--config", f"{APP_DIR}/gunicorn.conf.py", spec.app.module],
    )


def _server(spec: AppSpec, choice: ServerChoice) -> ServerPlan:
    s = spec.server
    return ServerPlan(
        worker_class=choice.worker_class, workers=s.workers, max_workers=s.max_workers, threads=choice.threads,
        timeout=s.timeout, graceful_timeout=s.graceful_timeout, keepalive=s.keepalive,
        max_requests=s.max_requests, max_requests_jitter=s.max_requests_jitter, requires=list(choice.requires),
    )


def _env(spec: AppSpec) -> list[EnvBinding]:
    bindings = []
    for name, var in sorted(spec.env.items()):
        if var.from_service:
            bindings.append(EnvBinding(name, var.from_service))
        elif var.secret or var.generate:
            bindings.append(EnvBinding(name, "secret" if var.secret else "generate"))
        else:
            bindings.append(EnvBinding(name, "value", var.value))
    return bindings


def _render(spec: AppSpec) -> RenderPlan:
    r = spec.render
    notes = []
    pre_deploy = spec.release if spec.release and r.pre_deploy else None
    if pre_deploy and r.plan == "free":
        pre_deploy = None
        notes.append("free web services have no preDeployCommand: run the release command by hand after deploys")
    scaling = None
    if r.scaling:
        scaling = {"minInstances": r.scaling.min_instances, "maxInstances": r.scaling.max_instances}
        if r.scaling.target_cpu_percent:
            scaling["targetCPUPercent"] = r.scaling.target_cpu_percent
        if r.scaling.target_memory_percent:
            scaling["targetMemoryPercent"] = r.scaling.target_memory_percent
    return RenderPlan(
        service_name=spec.name, plan=r.plan, region=r.region, num_instances=r.num_instances, scaling=scaling,
        pre_deploy_command=pre_deploy, max_shutdown_delay_seconds=r.max_shutdown_delay_seconds,
        # Liveness, not readiness: Render restarts instances that fail it, and a Redis outage is no reason to.
        health_check_path=spec.health.liveness,
        database_name=f"{spec.name}-db", database_plan=r.database_plan,
        keyvalue_name=f"{spec.name}-cache", keyvalue_plan=r.keyvalue_plan, notes=notes,
    )
