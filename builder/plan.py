"""plan: AppSpec -> BuildPlan, every decision resolved, as plain data. No I/O."""

from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from builder.bases import BaseImage, postgres_image, python_base, redis_image
from builder.lock.lockfile import LockFacts
from builder.spec import AppSpec
from builder.variants import LOCK_MOUNT, VENV, InstallChoice, ServerChoice, choose_installer, choose_server

APP_DIR = "/app"
APP_UID = 10001
RENDER_PORT = 10000  # Render's default $PORT


@dataclass(frozen=True)
class AppUser:
    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class HealthProbe:
    path: str
    command: list[str]  # exec form: no shell, no curl in the image
    # Docker runs the first probe one interval after start (--start-interval needs Docker 25), so the interval is
    # also the shortest time to `healthy`; a probe is one short Python process.
    interval_s: int = 5
    timeout_s: int = 5
    start_period_s: int = 30
    retries: int = 3


@dataclass(frozen=True)
class BuilderStage:
    system_packages: list[str]
    requirements: str  # the lock: the dependency layer's only input, bind-mounted at lock_mount
    lock_mount: str
    install: InstallChoice
    source_builds: list[str]  # name==version of pins with no wheel for the image: built here


@dataclass(frozen=True)
class RuntimeStage:
    system_packages: list[str]
    user: AppUser
    workdir: str
    writable_paths: list[str]
    build_steps: list[str]
    env: dict[str, str]
    labels: dict[str, str]
    healthcheck: HealthProbe
    command: list[str]
    stop_signal: str = "SIGTERM"


@dataclass(frozen=True)
class ImageTarget:
    """One Dockerfile: the same image, with the port its platform expects."""

    filename: str
    port: int
    purpose: str


@dataclass(frozen=True)
class ServerPlan:
    worker_class: str
    workers: int | None  # None: WEB_CONCURRENCY, else the capped formula
    max_workers: int
    threads: int
    timeout: int
    graceful_timeout: int
    keepalive: int
    max_requests: int
    max_requests_jitter: int
    requires: list[str]


@dataclass(frozen=True)
class EnvBinding:
    """An environment variable and where its value comes from."""

    name: str
    source: str  # value | secret | generate | postgres | redis
    value: str | None = None


@dataclass(frozen=True)
class ServicePlan:
    kind: Literal["postgres", "redis"]
    name: str  # the compose service name and the host the app reaches it by
    image: BaseImage
    version: str
    settings: dict[str, str]


@dataclass(frozen=True)
class RenderPlan:
    service_name: str
    plan: str
    region: str
    num_instances: int
    scaling: dict[str, int] | None
    pre_deploy_command: str | None
    max_shutdown_delay_seconds: int
    health_check_path: str
    database_name: str
    database_plan: str
    keyvalue_name: str
    keyvalue_plan: str
    notes: list[str]


@dataclass(frozen=True)
class BuildPlan:
    """Every decision for one app, in the order the files use them."""

    app_name: str
    python_version: str
    base: BaseImage
    app_module: str
    builder: BuilderStage
    runtime: RuntimeStage
    images: list[ImageTarget]
    server: ServerPlan
    release_command: list[str] | None
    env: list[EnvBinding]
    services: list[ServicePlan]
    render: RenderPlan
    budgets: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def service(self, kind: str) -> ServicePlan | None:
        return next((s for s in self.services if s.kind == kind), None)


def make_plan(spec: AppSpec, *, lock: LockFacts | None = None) -> BuildPlan:
    """Resolve every decision the generated files and the build need.

    `lock` is what `builder lock` recorded in the lock file: the system packages its source builds need join the
    spec's own. Without it (no lock yet) the plan takes the spec's packages alone.
    """
    server = choose_server(spec)
    lock = lock or LockFacts(spec.dependencies.lock)
    return BuildPlan(
        app_name=spec.name,
        python_version=spec.python,
        base=python_base(spec.python),
        app_module=spec.app.module,
        builder=BuilderStage(
            system_packages=sorted({*spec.system_packages.build, *lock.build_packages}),
            requirements=spec.dependencies.lock,
            lock_mount=LOCK_MOUNT,
            install=choose_installer(spec, LOCK_MOUNT),
            source_builds=list(lock.source_builds),
        ),
        runtime=_runtime(spec, lock),
        images=[
            ImageTarget("Dockerfile", spec.port, "local runs, compose and CI"),
            ImageTarget("Dockerfile.render", RENDER_PORT, "Render: binds 0.0.0.0:$PORT, PORT defaults to 10000"),
        ],
        server=_server(spec, server),
        release_command=shlex.split(spec.release) if spec.release else None,
        env=_env(spec),
        services=_services(spec),
        render=_render(spec),
        budgets={k: v for k, v in spec.budgets.model_dump().items() if v is not None},
    )


def _runtime(spec: AppSpec, lock: LockFacts) -> RuntimeStage:
    health_url = f"'http://127.0.0.1:'+os.environ.get('PORT','{spec.port}')+'{spec.health.liveness}'"
    probe = HealthProbe(
        path=spec.health.liveness,
        # urlopen raises on a refused connection or a status >= 400, so the exit code says healthy or not.
        command=[f"{VENV}/bin/python", "-c", f"import os,urllib.request as u;u.urlopen({health_url},timeout=4)"],
    )
    return RuntimeStage(
        system_packages=sorted({*spec.system_packages.runtime, *lock.runtime_packages}),
        user=AppUser("app", APP_UID, APP_UID),
        workdir=APP_DIR,
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


def _services(spec: AppSpec) -> list[ServicePlan]:
    services = []
    if pg := spec.services.postgres:
        db = pg.database or spec.name.replace("-", "_")
        settings = {"database": db, "user": pg.user or db}
        services.append(ServicePlan("postgres", "postgres", postgres_image(pg.version), pg.version, settings))
    if redis := spec.services.redis:
        settings = {"maxmemory": redis.maxmemory, "policy": redis.policy,
                    "memory_limit": _container_memory(redis.maxmemory)}
        services.append(ServicePlan("redis", "redis", redis_image(redis.version), redis.version, settings))
    return services


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


def _container_memory(maxmemory: str) -> str:
    """Redis needs headroom above maxmemory (fragmentation, buffers), or the container limit kills it first."""
    units = {"kb": 1 / 1024, "mb": 1, "gb": 1024}
    mb = float(maxmemory[:-2]) * units[maxmemory[-2:]]
    return f"{max(64, int(mb * 1.5))}M"
