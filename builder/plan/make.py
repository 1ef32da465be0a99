"""make_plan: the one place decisions are made from a spec (and the lock's recorded facts)."""

from __future__ import annotations

import shlex

from builder.bases import python_base
from builder.ci.plan import ci_plan
from builder.frameworks import choose_framework
from builder.lock.lockfile import LockFacts
from builder.plan.kubernetes import plan_kubernetes
from builder.plan.loadplan import plan_load
from builder.plan.model import (
    APP_DIR,
    APP_UID,
    RENDER_PORT,
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
    ReadinessCheck,
    RenderPlan,
    RuntimeSecurity,
    RuntimeStage,
    ServerPlan,
    ServicePlan,
)
from builder.plan.profiles import check_profile, profile_env
from builder.processes import plan_processes, smoke_plan
from builder.services import planned_services, service, url_parts
from builder.spec import AppSpec, EnvVar
from builder.variants import LOCK_MOUNT, VENV, ServerChoice, choose_installer, choose_server

VALIDATION_PORTS = (18080, 18081, 18082)
# builder_probes.py (the `probes` target) answers these in front of an app that has no health routes of its own.
BUILDER_LIVENESS = "/_builder/live"
BUILDER_READINESS = "/_builder/ready"
PROBES_MODULE = "builder_probes"


def make_plan(spec: AppSpec, *, lock: LockFacts | None = None) -> BuildPlan:
    """Resolve every decision the generated files, the build and the checks need.

    `lock` is what `builder lock` recorded in the lock file: the system packages its source builds need join the
    spec's own. Without it (no lock yet) the plan takes the spec's packages alone.
    """
    framework = choose_framework(spec)
    spec, filled = framework.fill(spec)
    lock = lock or LockFacts(spec.dependencies.lock)
    services = planned_services(spec)
    env = _env(spec, services)
    health = _health(spec, env, services)
    runtime = _runtime(spec, lock, health, env, probe_host=framework.probe_host)
    server = _server(spec, choose_server(spec))
    processes = plan_processes(spec, web_command=runtime.command, server=server, python=runtime.python)
    release = next((p.command for p in processes if p.kind == "release"), None)
    render = _render(spec, health, processes, runtime.command)
    check_profile(spec.runtime.profile, processes, render)
    return BuildPlan(
        app_name=spec.name,
        python_version=spec.python,
        base=python_base(spec.python),
        app_module=spec.app.module,
        framework=FrameworkPlan(framework.name if framework.name != "generic" else spec.app.kind, spec.app.kind,
                                filled, framework.probe_host, dict(framework.local_env), list(framework.checks)),
        builder=BuilderStage(
            system_packages=sorted({*spec.system_packages.build, *lock.build_packages}),
            requirements=spec.dependencies.lock,
            lock_mount=LOCK_MOUNT,
            install=choose_installer(spec, LOCK_MOUNT),
            source_builds=list(lock.source_builds),
        ),
        runtime=runtime,
        images=[
            ImageTarget(spec.dockerfile, spec.port, "local runs, compose and CI"),
            ImageTarget(_render_dockerfile(spec.dockerfile), RENDER_PORT,
                        "Render: binds 0.0.0.0:$PORT, PORT defaults to 10000"),
        ],
        ports=PortPlan(spec.port, RENDER_PORT, next(p for p in VALIDATION_PORTS if p not in (spec.port, RENDER_PORT))),
        server=server,
        health=health,
        smoke=[smoke_plan(r) for r in spec.smoke],
        processes=processes,
        release_command=release,
        env=env,
        services=services,
        pool=PoolPlan(spec.pool.size, spec.pool.max_overflow, spec.pool.extra_connections),
        dependencies=DependencyPlan(spec.dependencies.requirements, spec.dependencies.lock),
        render=render,
        security=RuntimeSecurity(uid=runtime.user.uid, gid=runtime.user.gid),
        ci=ci_plan(spec),
        load=plan_load(spec, server=server, processes=processes, liveness=health.liveness),
        budgets={k: v for k, v in spec.budgets.model_dump().items() if v is not None},
        kubernetes=plan_kubernetes(spec),
    )


def _render_dockerfile(dockerfile: str) -> str:
    return "Dockerfile.render" if dockerfile == "Dockerfile" else f"{dockerfile}.render"


def _health(spec: AppSpec, env: list[EnvBinding], services: list[ServicePlan]) -> HealthPlan:
    """The app's own probe paths, or builder's, whose readiness checks each declared service: where the app's
    variables say, else at the service's own host name and port (an app that hard-codes host `redis`)."""
    if spec.health:
        return HealthPlan(spec.health.liveness, spec.health.readiness, "app", [])
    wired: dict[str, dict[str, str]] = {}
    for binding in env:
        if binding.source in {s.kind for s in services}:
            wired.setdefault(binding.source, {})[binding.part] = binding.name
    checks = [ReadinessCheck(s.kind, wired.get(s.kind, {}), s.name, s.port, "login" if s.kind in wired else "port")
              for s in services]
    return HealthPlan(BUILDER_LIVENESS, BUILDER_READINESS, "builder", checks)


def _runtime(spec: AppSpec, lock: LockFacts, health: HealthPlan, env: list[EnvBinding], *,
             probe_host: str) -> RuntimeStage:
    python = f"{VENV}/bin/python"
    health_url = f"'http://{probe_host}:'+os.environ.get('PORT','{spec.port}')+{health.liveness!r}"
    # With builder's probes, gunicorn serves the wrapper, which hands every other request to the app untouched.
    served = f"{PROBES_MODULE}:app" if health.provider == "builder" else spec.app.module
    probe = HealthProbe(
        start_period_s=spec.server.start_period,
        path=health.liveness,
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
        build_env=_build_env(env) if spec.build_steps else {},
        env=profile_env({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}, spec.runtime.profile, VENV),
        labels={
            "org.opencontainers.image.title": spec.name,
            "org.opencontainers.image.description": f"{spec.name} ({spec.app.kind} {spec.app.module}) built by builder",
        },
        healthcheck=probe,
        command=["gunicorn", "--config", f"{APP_DIR}/gunicorn.conf.py", served],
        profile=spec.runtime.profile,
        bytecode_only=spec.runtime.bytecode_only,
        trace_file=spec.runtime.trace_file,
    )


def _build_env(env: list[EnvBinding]) -> dict[str, str]:
    """Settings modules read their variables at import, and build steps (collectstatic) import them: literals as
    they are, a placeholder for every secret (no real secret reaches a layer), service URLs that reach nothing."""
    values = {}
    for binding in env:
        if binding.source == "value":
            values[binding.name] = binding.value or ""
        elif binding.source in ("secret", "generate"):
            values[binding.name] = "build-time-placeholder"
        else:
            values[binding.name] = url_parts(service(binding.source).unreachable_url)[binding.part]
    return values


def _worker_plan(plan: str, processes: list[ProcessPlan], notes: list[str]) -> str:
    if plan != "free" or not any(p.kind in ("worker", "cron") for p in processes):
        return plan
    notes.append("Render has no free workers or cron jobs: they use the starter plan")
    return "starter"


def _server(spec: AppSpec, choice: ServerChoice) -> ServerPlan:
    s = spec.server
    return ServerPlan(
        worker_class=choice.worker_class, workers=s.workers, max_workers=s.max_workers, threads=choice.threads,
        timeout=s.timeout, graceful_timeout=s.graceful_timeout, keepalive=s.keepalive,
        max_requests=s.max_requests, max_requests_jitter=s.max_requests_jitter,
        requires=list(choice.requires),
        worker_connections=s.worker_connections, preload=s.preload, psycogreen=s.psycogreen,
    )


def _env(spec: AppSpec, services: list[ServicePlan]) -> list[EnvBinding]:
    by_kind = {s.kind: s for s in services}
    return [_binding(name, var, by_kind) for name, var in sorted(spec.env.items())]


def _binding(name: str, var: EnvVar, services: dict[str, ServicePlan]) -> EnvBinding:
    """One variable, spelled for each output: a service's part, a secret a person sets, or a literal."""
    if var.from_service:
        planned = services[var.from_service]
        module = service(var.from_service)
        return EnvBinding(name, var.from_service, None, var.part, module.compose_env(planned)[var.part],
                          module.render_env(planned, var.part))
    ask = f"${{{name}:-}}" if var.optional else f"${{{name}:?set {name} in your environment or in .env}}"
    if var.secret:
        return EnvBinding(name, "secret", var.validate_value, "url", ask, {"sync": False}, optional=var.optional)
    if var.generate:
        return EnvBinding(name, "generate", None, "url", ask, {"generateValue": True})
    value = var.value or ""
    # Compose interpolates $ in values; a literal keeps its $ only doubled.
    return EnvBinding(name, "value", value, "url", value.replace("$", "$$"), {"value": value})


def _render(spec: AppSpec, health: HealthPlan, processes: list[ProcessPlan], web_command: list[str]) -> RenderPlan:
    r = spec.render
    notes = []
    pre_deploy = spec.release if spec.release and r.pre_deploy else None
    docker_command = None
    if pre_deploy and r.plan == "free":
        pre_deploy = None
        notes.append("free web services have no preDeployCommand: run the release command by hand after deploys")
    if pre_deploy and r.disk:
        # Render runs preDeployCommand on another instance, without the service's disk: a SQLite file it made would
        # not be the app's. The release runs at start instead, before the server.
        pre_deploy = None
        docker_command = f"/bin/sh -c {shlex.quote(f'{spec.release} && exec {shlex.join(web_command)}')}"
        notes.append("the release runs at start (dockerCommand), since preDeployCommand cannot reach the disk")
    scaling = None
    if r.scaling:
        scaling = {"minInstances": r.scaling.min_instances, "maxInstances": r.scaling.max_instances}
        if r.scaling.target_cpu_percent:
            scaling["targetCPUPercent"] = r.scaling.target_cpu_percent
        if r.scaling.target_memory_percent:
            scaling["targetMemoryPercent"] = r.scaling.target_memory_percent
    return RenderPlan(
        service_name=spec.name, plan=r.plan, region=r.region, num_instances=r.num_instances, scaling=scaling,
        pre_deploy_command=pre_deploy, docker_command=docker_command,
        max_shutdown_delay_seconds=r.max_shutdown_delay_seconds,
        # Liveness, not readiness: Render restarts instances that fail it, and a Redis outage is no reason to.
        health_check_path=health.liveness,
        database_plan=r.database_plan, keyvalue_plan=r.keyvalue_plan, notes=notes,
        worker_plan=_worker_plan(r.plan, processes, notes),
        disk={"name": f"{spec.name}-data", "mountPath": r.disk.path, "sizeGB": r.disk.size_gb} if r.disk else None,
    )
