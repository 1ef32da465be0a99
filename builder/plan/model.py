"""The BuildPlan: every decision for one app, as frozen plain data. Every stage after planning reads only this."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from builder.bases import BaseImage
from builder.ci.plan import CiPlan
from builder.variants import InstallChoice

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
class ReadinessCheck:
    """One service builder's readiness probe checks, and the environment variables that say how to reach it."""

    kind: str
    env: dict[str, str]  # part (url, host, port, user, password, database) -> variable name
    host: str  # where it is when the variables do not say: the compose and validation host name
    port: int
    # "login": connect as the app's variables say and run a query (PING); "port": no variable of the app's says how it
    # reaches the service, so a TCP connect is all readiness may claim (logging in without credentials always fails)
    method: str


@dataclass(frozen=True)
class HealthPlan:
    """The paths that say the app is alive (liveness) and can serve (readiness: its services answer)."""

    liveness: str
    readiness: str | None
    provider: str  # "app": the app's own routes; "builder": builder_probes.py answers them in front of the app
    checks: list[ReadinessCheck]  # with provider "builder": what readiness checks for real


@dataclass(frozen=True)
class SmokePlan:
    """A request validation sends to the running app, and what must come back."""

    method: str
    path: str
    json_body: Any
    status: int
    body_contains: str | None

    def answered_by(self, status: int | None, body: str) -> bool:
        """Whether an answer is what this request expects: its status, and its text in the body if it names one."""
        return status == self.status and (self.body_contains or "") in body


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
    venv: str  # the virtualenv the builder stage fills and the runtime stage copies
    python: str  # the interpreter every in-image probe runs (no shell, no curl)
    writable_paths: list[str]
    build_steps: list[str]  # shell commands, each run as `env <build_env> /bin/sh -c <step>` (exec form)
    build_env: dict[str, str]  # what build steps see: literals, placeholders for secrets, unreachable services
    env: dict[str, str]
    labels: dict[str, str]
    healthcheck: HealthProbe
    command: list[str]  # the image's CMD: the web process
    stop_signal: str = "SIGTERM"
    profile: str = "slim"  # slim | distroless | traced (builder/plan/profiles.py)
    bytecode_only: bool = False
    trace_file: str = "builder.trace"  # traced: the list of files the image keeps, beside builder.yaml
    helper: str = "builder_image.py"  # the build stages' script (shrink, rootfs); never run in the image


@dataclass(frozen=True)
class ImageTarget:
    """One Dockerfile: the same image, with the port its platform expects."""

    filename: str
    port: int
    purpose: str


@dataclass(frozen=True)
class PortPlan:
    app: int  # the spec's port: Dockerfile, compose
    render: int  # Render's default $PORT: Dockerfile.render
    validation: int  # neither of the two, so validation shows an app that ignores $PORT


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
    worker_connections: int | None
    preload: bool
    psycogreen: bool


@dataclass(frozen=True)
class FrameworkCheck:
    """A command the framework offers to find production mistakes, run in the image by validation."""

    name: str
    command: list[str]
    fatal: dict[str, str]  # message IDs in its output that fail the check, and what each means; the rest are reported


@dataclass(frozen=True)
class FrameworkPlan:
    """What the framework variant contributed: its name and the defaults it filled in."""

    name: str  # flask | fastapi | django | wsgi | asgi (generic)
    kind: str  # wsgi | asgi
    defaults: list[str]  # what it decided where the spec was silent, for `builder plan`
    probe_host: str  # the Host header of builder's own requests (HEALTHCHECK, validation)
    local_env: dict[str, str]  # what a platform would set, set where builder runs the app (validate, compose)
    checks: list[FrameworkCheck]


@dataclass(frozen=True)
class JobProofPlan:
    """Validation's proof that a worker consumes jobs: enqueue through the app, then see it done."""

    enqueue: SmokePlan
    done: SmokePlan
    within_seconds: int


@dataclass(frozen=True)
class ProcessPlan:
    """One process the image runs: the web server, the release command, a worker or a cron job."""

    name: str
    kind: str  # web | release | worker | cron
    program: str  # gunicorn | rq | celery | dramatiq | arq | command: which module in builder/processes knows it
    command: list[str]  # exec form; a command that reads $VARIABLES runs as `/bin/sh -c "exec ..."`
    stop_signal: str
    grace_seconds: int  # how long it may take to stop after stop_signal
    healthcheck: list[str] | None = None  # exec form, for compose (workers)
    schedule: str | None = None  # cron syntax, UTC (cron jobs)
    connections: int = 0  # database connections it holds, for the connection budget (workers, cron)
    proof: JobProofPlan | None = None


@dataclass(frozen=True)
class EnvBinding:
    """An environment variable, where its value comes from, and how each output spells that."""

    name: str
    source: str  # value | secret | generate | or the kind of a service (postgres, redis)
    value: str | None  # a literal value (source "value"), or the value validation uses for a secret
    part: str  # with a service: url, or one part of it (host, port, user, password, database)
    compose: str  # compose.yaml's value: a literal ($ doubled), a service's part, or ${NAME:?...} for secrets
    render: dict[str, Any]  # the render.yaml envVars entry without its key: value | fromDatabase | sync | ...
    optional: bool = False  # a secret the app runs without: validation leaves it unset


@dataclass(frozen=True)
class ServicePlan:
    kind: str  # a module in builder/services
    name: str  # the compose service name and the host the app reaches it by
    image: BaseImage
    version: str
    settings: dict[str, str]
    port: int
    render_name: str  # the Render database or Key Value instance ("" when external: Render provisions nothing)
    render_section: str  # where render.yaml lists it: databases | services ("" when external)
    volumes: dict[str, str]  # compose's named volumes for its data -> mount path
    ready_command: list[str]  # exec form, run inside its container: compose's healthcheck and validation's wait
    external: bool = False


@dataclass(frozen=True)
class PoolPlan:
    """Database connections per app process, for the connection budget."""

    size: int
    max_overflow: int
    extra_connections: int


@dataclass(frozen=True)
class LoadPlan:
    """`validate --load`: how hard and how long, what to send, the budgets, and the Postgres cap it runs against."""

    concurrency: int
    duration_seconds: float
    requests: list[SmokePlan]
    p99_ms: float
    memory_growth_mb: float
    connections: int  # one instance's connection budget: what the app may hold at once
    connection_budget: str  # the arithmetic behind it, for the report
    max_connections: int  # Postgres' max_connections in the load run: the budget plus the superuser slots
    timeout_probe: str | None  # a GET slower than server.timeout, or None (the check is skipped)
    slow_request: str  # what server.timeout does to that request on this worker class: cut | finishes | either


@dataclass(frozen=True)
class DependencyPlan:
    """Where the app's dependencies come from (builder lock's inputs) and the lock the image installs."""

    requirements: str
    lock: str


@dataclass(frozen=True)
class RenderPlan:
    service_name: str
    plan: str
    region: str
    num_instances: int
    scaling: dict[str, int] | None
    pre_deploy_command: str | None
    docker_command: str | None  # the web service's dockerCommand, when the image's CMD is not enough
    max_shutdown_delay_seconds: int
    health_check_path: str
    database_plan: str
    keyvalue_plan: str
    notes: list[str]
    worker_plan: str  # workers and cron jobs: Render has no free instance type for them
    disk: dict[str, Any] | None  # {name, mountPath, sizeGB}: persistent, one instance only


@dataclass(frozen=True)
class RuntimeSecurity:
    """How every platform runs the image: validate runs it so, and compose and the Kubernetes manifests declare it."""

    uid: int  # the image's USER (validate checks PID 1 runs as it); Kubernetes: runAsUser, runAsNonRoot
    gid: int
    read_only_root: bool = True
    tmpfs: list[str] = field(default_factory=lambda: ["/tmp"])
    drop_capabilities: list[str] = field(default_factory=lambda: ["ALL"])
    no_new_privileges: bool = True
    seccomp: str = "RuntimeDefault"  # the engine's default profile (Docker applies its own unless told otherwise)


@dataclass(frozen=True)
class VolumeClaimPlan:
    path: str
    size: str
    storage_class: str | None


@dataclass(frozen=True)
class KubernetesPlan:
    """The manifests' decisions; Postgres and Redis are external, their URLs in the Secret `secret_name`."""

    namespace: str
    image: str  # as the manifests name it: the app's name and the tag (`kubectl apply -f` pulls just that)
    image_repository: str | None  # where kustomize points that name (its `images` field), when in a registry
    replicas: int  # the Deployment's count when no autoscaler runs
    min_replicas: int
    max_replicas: int  # above min_replicas: a HorizontalPodAutoscaler
    target_cpu_percent: int
    resources: dict[str, dict[str, str]]  # requests and limits
    release: str  # job | init-container
    config_name: str  # the ConfigMap of literal values
    secret_name: str  # the Secret a person creates: service URLs, secrets, generated values
    drain_seconds: int  # the preStop pause, so endpoints drop the pod before SIGTERM
    termination_grace_seconds: int  # above drain + graceful_timeout
    persistence: VolumeClaimPlan | None
    egress_ports: list[int]  # TCP ports the NetworkPolicy lets the app reach (plus DNS)
    database_max_connections: int


@dataclass(frozen=True)
class BuildPlan:
    """Every decision for one app, in the order the files use them."""

    app_name: str
    python_version: str
    base: BaseImage
    app_module: str
    framework: FrameworkPlan
    builder: BuilderStage
    runtime: RuntimeStage
    images: list[ImageTarget]
    ports: PortPlan
    server: ServerPlan
    health: HealthPlan
    smoke: list[SmokePlan]
    processes: list[ProcessPlan]
    release_command: list[str] | None
    env: list[EnvBinding]
    services: list[ServicePlan]
    pool: PoolPlan
    dependencies: DependencyPlan
    render: RenderPlan
    security: RuntimeSecurity
    ci: CiPlan
    load: LoadPlan
    budgets: dict[str, float] = field(default_factory=dict)
    kubernetes: KubernetesPlan | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def service(self, kind: str) -> ServicePlan | None:
        return next((s for s in self.services if s.kind == kind), None)

    def process(self, kind: str) -> ProcessPlan | None:
        return next((p for p in self.processes if p.kind == kind), None)
