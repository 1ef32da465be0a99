"""AppSpec: what the user wrote in builder.yaml, validated. Unknown keys are errors."""

from __future__ import annotations

import re
import shlex
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from builder.safe_yaml import clip

SPEC_FILENAME = "builder.yaml"

# Every string that reaches a generated file is either one of these (what it is, in ASCII: the regex engine's \w and
# \d would take any script's letters and digits) or emitted through the target format's own quoting.
MODULE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]{0,200}:[A-Za-z_][A-Za-z0-9_]{0,100}(\(\))?$"
HTTP_PATH_PATTERN = r"^/[A-Za-z0-9_\-./]{0,200}$"
MEMORY_PATTERN = r"^(0|[1-9][0-9]{0,6})(kb|mb|gb)$"
# A file under the app's directory: no absolute path, no `..` or `.` (a part starts with a letter, digit or _), no
# characters a Dockerfile mount option or a shell would read (`,` `=` space); parts short enough for any file system.
_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}"
APP_FILE_PATTERN = rf"^({_PART}/){{0,7}}{_PART}$"
LOCK_FILE_PATTERN = rf"^({_PART}/){{0,7}}[A-Za-z0-9_][A-Za-z0-9_.-]{{0,90}}\.(lock|txt)$"
# Under which roots the app user may be given a directory: its own, and the conventional data and scratch places.
WRITABLE_PATH_PATTERN = rf"^/(app|data|tmp|var/lib/[a-z][a-z0-9-]{{1,40}})(/{_PART}){{0,7}}/?$"
DEBIAN_PACKAGE = r"^[a-z0-9][a-z0-9+.\-]{1,99}$"
POSTGRES_IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"
RENDER_PLAN = r"^[a-z][a-z0-9]{0,19}(-[a-z0-9]{1,19}){0,3}$"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AppSection(Model):
    kind: Literal["wsgi", "asgi"] = Field(default="wsgi", description="wsgi (Flask, Django) or asgi (FastAPI)")
    module: Annotated[str, Field(pattern=MODULE_PATTERN, examples=["gradebook.wsgi:app", "app.main:create_app()"])]
    framework: Literal["flask", "fastapi", "django", "other"] = "other"


class HealthSection(Model):
    """The app's own probe paths. Leave the whole section out and builder adds its own (see `builtin`)."""

    liveness: Annotated[str, Field(pattern=HTTP_PATH_PATTERN, examples=["/health"])]
    readiness: Annotated[str | None, Field(pattern=HTTP_PATH_PATTERN, examples=["/ready"])] = None


WorkerClass = Literal["sync", "gthread", "gevent", "uvicorn"]


class ServerSection(Model):
    worker_class: WorkerClass | None = Field(default=None, description="default: gthread for wsgi, uvicorn for asgi")
    workers: Annotated[int, Field(ge=1, le=64)] | None = Field(
        default=None, description="default: WEB_CONCURRENCY at run time, else 2 x cores + 1 capped at max_workers"
    )
    max_workers: Annotated[int, Field(ge=1, le=64)] = 4
    threads: Annotated[int, Field(ge=1, le=64)] = 1
    timeout: Annotated[int, Field(ge=1, le=3600)] = 30
    graceful_timeout: Annotated[int, Field(ge=1, le=300)] = 25
    max_requests: Annotated[int, Field(ge=0, le=1_000_000_000)] = 1000
    max_requests_jitter: Annotated[int, Field(ge=0, le=1_000_000_000)] = 100
    keepalive: Annotated[int, Field(ge=0, le=300)] = 5
    worker_connections: Annotated[int, Field(ge=1, le=100000)] | None = Field(
        default=None, description="gevent: simultaneous clients per worker (gunicorn's default 1000)")
    preload: bool = Field(default=False, description="import the app once in the master before forking workers "
                          "(less memory; connections opened at import are then shared, so open them lazily)")
    psycogreen: bool = Field(default=False, description="gevent with psycopg2: patch it in each worker (post_fork), "
                             "so queries yield to other greenlets; `builder lock` adds psycogreen")
    start_period: Annotated[int, Field(ge=0, le=600)] = Field(
        default=30, description="seconds the HEALTHCHECK gives the app to start before failures count")


PACKAGE_NAME = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$"


class DependenciesSection(Model):
    """Where the app's dependencies come from, and the lock the image installs from (`builder lock`)."""

    source: Annotated[str, Field(pattern=APP_FILE_PATTERN)] | None = Field(
        default=None, description="what `builder lock` resolves: requirements.in, requirements.txt, pyproject.toml, "
        "poetry.lock, Pipfile.lock or uv.lock, relative to builder.yaml; unset: the first of uv.lock, poetry.lock, "
        "Pipfile.lock, requirements.in, pyproject.toml, then `requirements`")
    requirements: Annotated[str, Field(pattern=APP_FILE_PATTERN)] = Field(default="requirements.txt",
                              description="the app's requirements file; `builder lock` reads it when no other input is "
                                          "found")
    lock: Annotated[str, Field(pattern=LOCK_FILE_PATTERN)] = Field(default="requirements.lock",
                      description="the lock `builder lock` writes: every package pinned with hashes, for the image's "
                                  "Python; the image installs from it alone")
    extras: list[Annotated[str, Field(pattern=PACKAGE_NAME)]] = Field(
        default=[], description="optional dependency groups the app needs at run time (pyproject.toml, poetry, uv)")
    keep: list[Annotated[str, Field(pattern=PACKAGE_NAME)]] = Field(
        default=[], description="packages `builder lock` would leave out as development tools that the app needs")
    installer: Literal["uv", "pip"] = "uv"
    # Control over what `builder lock` resolves (issue 13): the report names each one it applied.
    overrides: list[Annotated[str, Field(min_length=1)]] = Field(
        default=[], description="requirements that replace whatever the input or its packages ask for that package "
        "(uv's --override), e.g. markupsafe==2.0.1 under a Jinja2 2.x that allows anything")
    constraints: list[Annotated[str, Field(min_length=1)]] = Field(
        default=[], description="version limits on packages the resolution may pick, without adding them")
    groups: list[Annotated[str, Field(pattern=PACKAGE_NAME)]] = Field(
        default=[], description="dependency groups the app needs at run time (poetry groups, PEP 735 groups)")
    build_from_source: list[Annotated[str, Field(pattern=PACKAGE_NAME)]] = Field(
        default=[], description="packages with no wheel for the image that may compile from their sdist without "
        "a finding; `builder lock --verify` proves they build and import")

    @model_validator(mode="after")
    def lock_is_not_an_input(self) -> DependenciesSection:
        named_input = self.source or (self.requirements if "requirements" in self.model_fields_set else None)
        if self.lock == named_input:
            raise ValueError(f"`lock` names {clip(self.lock)}, which is also the input; `builder lock` would overwrite "
                             "it: give the lock its own name, e.g. requirements.lock")
        return self


class SystemPackages(Model):
    build: list[Annotated[str, Field(pattern=DEBIAN_PACKAGE)]] = []
    runtime: list[Annotated[str, Field(pattern=DEBIAN_PACKAGE)]] = []


Profile = Literal["slim", "distroless", "traced"]


class RuntimeSection(Model):
    """What the runtime image holds beyond the app and its virtualenv."""

    profile: Profile = Field(
        default="slim", description="slim: the Python base image (a shell, apt); distroless: only the interpreter, "
        "its standard library and the libraries the virtualenv links to, no shell; traced: only the files "
        "`builder trace` saw the app use or found it can reach, listed in trace_file")
    bytecode_only: bool = Field(
        default=False, description="traced and distroless: the standard library's and the virtualenv's modules "
        "compiled, without their sources (tracebacks keep file and line, not the source text); the app keeps its "
        "own, since gunicorn.conf.py and manage.py are read by path")
    trace_file: Annotated[str, Field(pattern=APP_FILE_PATTERN)] = Field(
        default="builder.trace", description="traced: the reviewed list of files the image keeps, written by "
        "`builder trace` beside builder.yaml; commit it")


def _major_as_text(value: Any) -> Any:
    """`version: 16` unquoted is a YAML number; a major version reads the same either way."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# A major version as text, or unquoted as a YAML number of as many digits; the schema says both.
_TWO_DIGITS, _ONE_DIGIT = r"^[0-9]{2}$", r"^[0-9]$"
PostgresMajor = Annotated[str, BeforeValidator(_major_as_text, json_schema_input_type=Annotated[
    str, Field(pattern=_TWO_DIGITS)] | Annotated[int, Field(ge=10, le=99)]), Field(pattern=_TWO_DIGITS)]
RedisMajor = Annotated[str, BeforeValidator(_major_as_text, json_schema_input_type=Annotated[
    str, Field(pattern=_ONE_DIGIT)] | Annotated[int, Field(ge=0, le=9)]), Field(pattern=_ONE_DIGIT)]


class PostgresService(Model):
    version: Annotated[PostgresMajor, Field(examples=["16"])] = "16"
    database: Annotated[str, Field(pattern=POSTGRES_IDENTIFIER, examples=["gradebook"])] | None = None
    user: Annotated[str, Field(pattern=POSTGRES_IDENTIFIER, examples=["gradebook"])] | None = None
    external: bool = Field(default=False, description="the database lives elsewhere (Supabase, RDS, ...): Render gets "
                           "a secret URL and provisions nothing; validate and compose still run a local Postgres")


EvictionPolicy = Literal[
    "noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
]


class RedisService(Model):
    version: Annotated[RedisMajor, Field(examples=["7"])] = "7"
    maxmemory: Annotated[str, Field(pattern=MEMORY_PATTERN, examples=["256mb"])] = "256mb"
    policy: EvictionPolicy = "allkeys-lru"


class ServicesSection(Model):
    postgres: PostgresService | None = None
    redis: RedisService | None = None


ServicePart = Literal["url", "host", "port", "user", "password", "database"]


def _is(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema that holds when `key` is given with a value matching `schema` (a null is as good as absent)."""
    return {"required": [key], "properties": {key: schema}}


# exactly_one_source below, as JSON Schema: editors then flag what the loader refuses.
_ENV_SOURCE_SCHEMA: dict[str, Any] = {
    "oneOf": [_is("value", {"type": "string"}), _is("secret", {"const": True}), _is("generate", {"const": True}),
              _is("from", {"type": "string"})],
    "allOf": [
        {"if": _is("part", {"not": {"const": "url"}}), "then": _is("from", {"type": "string"})},
        {"if": {"anyOf": [_is("validate_value", {"type": "string"}), _is("optional", {"const": True})]},
         "then": _is("secret", {"const": True})},
    ],
}


class EnvVar(Model):
    """One environment variable: exactly one of value, secret, generate or from."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True,
                              json_schema_extra=_ENV_SOURCE_SCHEMA)
    value: Annotated[str, Field(max_length=32768)] | None = None
    secret: bool = Field(default=False, description="set by a person on the platform (Render: sync: false)")
    generate: bool = Field(default=False, description="a random value made by the platform (Render: generateValue)")
    from_service: Literal["postgres", "redis"] | None = Field(None, alias="from")
    part: ServicePart = Field(default="url", description="with `from`: the whole URL, or one part of it, for apps "
                              "that read split variables (SQL_HOST, POSTGRES_USER, ...)")
    validate_value: str | None = Field(default=None, description="with `secret: true`: the value `builder validate` "
                                       "gives the app (default: a random one)")
    optional: bool = Field(default=False, description="with `secret: true`: the app runs without it, so validate "
                           "leaves it unset")

    @model_validator(mode="after")
    def exactly_one_source(self) -> EnvVar:
        sources = [self.value is not None, self.secret, self.generate, self.from_service is not None]
        if sum(sources) != 1:
            raise ValueError("give exactly one of `value`, `secret: true`, `generate: true` or `from: postgres|redis`")
        if self.part != "url" and self.from_service is None:
            raise ValueError("`part` goes with `from: postgres|redis`")
        if (self.validate_value is not None or self.optional) and not self.secret:
            raise ValueError("`validate_value` and `optional` go with `secret: true`")
        return self


class SmokeRequest(Model):
    """A request `builder validate` sends to the running app, and what must come back."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "GET"
    path: Annotated[str, Field(pattern=HTTP_PATH_PATTERN, examples=["/api/students"])]
    json_body: dict[str, Any] | list[Any] | None = Field(default=None, alias="json")
    status: Annotated[int, Field(ge=100, le=599)] = 200
    body_contains: Annotated[str, Field(max_length=10000)] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


ProcessKindName = Literal["rq", "celery", "dramatiq", "arq", "command"]


class JobProof(Model):
    """How validation shows a job goes through the worker: a request that enqueues work, and one that shows it done."""

    enqueue: SmokeRequest
    done: SmokeRequest
    within_seconds: Annotated[int, Field(ge=1, le=600)] = 30


class ProcessSection(Model):
    """A process beside the web server, from the same image: a worker (rq, celery, ...) or, with `schedule`, a cron
    job."""

    command: Annotated[str, Field(min_length=1, max_length=4000, examples=["rq worker --url $REDIS_URL default"])]
    kind: ProcessKindName | None = Field(default=None, description="default: the command's program (rq, celery, "
                                         "dramatiq, arq), else `command`")
    schedule: str | None = Field(default=None, description="cron syntax, UTC: makes it a cron job that runs the "
                                 "command and exits (Render `cron`)", examples=["0 3 * * *"])
    grace_seconds: Annotated[int, Field(ge=1, le=300)] = Field(
        default=20, description="how long it may take to stop after SIGTERM (a worker finishing its job)")
    connections: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        default=None, description="database connections it holds, for the connection budget (default: pool size + "
        "max_overflow)")
    proof: JobProof | None = Field(default=None, description="validate: a job enqueued through the app is done")

    @field_validator("command")
    @classmethod
    def command_splits(cls, command: str) -> str:
        return shell_words(command, "the command")

    @field_validator("schedule")
    @classmethod
    def cron_syntax(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"(\S+ ){4}\S+", value.strip()):
            raise ValueError("a schedule is five cron fields, e.g. \"0 3 * * *\" (UTC)")
        return value.strip() if value else value


class RenderDisk(Model):
    """A Render persistent disk: survives deploys, but pins the service to one instance."""

    path: Annotated[str, Field(pattern=WRITABLE_PATH_PATTERN)]
    size_gb: Annotated[int, Field(ge=1, le=1000)] = 1


LOAD_PATH_PATTERN = r"^/[\w\-./]*(\?[\w\-.=&%{}]*)?$"  # a query string too: load requests may pass parameters


class LoadRequest(SmokeRequest):
    """A request `builder validate --load` sends over and over; an answer with another status is an error."""

    path: Annotated[str, Field(pattern=LOAD_PATH_PATTERN, examples=["/api/students?limit=10"])]


class LoadSection(Model):
    """`builder validate --load`: bounded traffic at the app, its connection cap, a slow request and a SIGTERM."""

    concurrency: Annotated[int, Field(ge=1, le=256)] | None = Field(
        default=None, description="clients at once; default: workers x threads (x 4 for gevent and uvicorn)")
    duration_seconds: Annotated[float, Field(ge=1, le=60)] = Field(
        default=10, description="how long the steady load runs")
    requests: list[LoadRequest] | None = Field(
        default=None, description="what the load sends, in turn; default: the smoke requests that only read "
                                  "(GET, HEAD), else the liveness path")
    p99_ms: Annotated[float, Field(gt=0)] = Field(default=1000, description="the slowest 1% may take this long")
    memory_growth_mb: Annotated[float, Field(gt=0)] = Field(
        default=48, description="how much a worker's resident memory may grow during the steady load")
    timeout_probe: Annotated[str, Field(pattern=LOAD_PATH_PATTERN, examples=["/api/slow?seconds={seconds}"])] | \
        None = Field(default=None, description="a GET slower than server.timeout; {seconds} becomes timeout + 3. "
                                                "Unset: the worker-timeout check is skipped")


class PoolSection(Model):
    """Database connections each app process may hold (SQLAlchemy's pool), for the connection budget."""

    size: Annotated[int, Field(ge=0, le=1000)] = 5
    max_overflow: Annotated[int, Field(ge=0, le=1000)] = 10
    extra_connections: Annotated[int, Field(ge=0, le=1000)] = Field(
        default=0, description="connections outside the web processes: cron jobs, workers, consoles"
    )


# A budget is a finite number (`plan --json` must stay JSON) of a size a machine could reach.
Budget = Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]


class Budgets(Model):
    image_mb: Budget | None = None
    build_seconds: Budget | None = None
    start_seconds: Budget | None = None


class Scaling(Model):
    min_instances: Annotated[int, Field(ge=1, le=100)] = 1
    max_instances: Annotated[int, Field(ge=1, le=100)] = 3
    target_cpu_percent: Annotated[int, Field(ge=1, le=90)] | None = 70
    target_memory_percent: Annotated[int, Field(ge=1, le=90)] | None = None

    @model_validator(mode="after")
    def min_below_max(self) -> Scaling:
        if self.min_instances > self.max_instances:
            raise ValueError("min_instances must not exceed max_instances")
        return self


RenderRegion = Literal["oregon", "ohio", "virginia", "frankfurt", "singapore"]


# Instance types as a Blueprint spells them ("pro plus"); the REST API's spelling ("pro_plus") is taken and mapped.
InstanceType = Literal["free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"]
ApiInstanceType = Literal["pro_plus", "pro_max", "pro_ultra"]
KeyValueType = Literal["free", "starter", "standard", "pro", "pro plus"]


def _blueprint_spelling(value: Any) -> Any:
    return value.replace("_", " ") if value in get_args(ApiInstanceType) else value


RenderPlan = Annotated[InstanceType, BeforeValidator(_blueprint_spelling,
                                                     json_schema_input_type=InstanceType | ApiInstanceType)]
KeyValuePlan = Annotated[KeyValueType, BeforeValidator(_blueprint_spelling,
                                                       json_schema_input_type=KeyValueType | Literal["pro_plus"])]


class RenderSection(Model):
    plan: RenderPlan = Field(default="starter", description="the web service's instance type, as a Blueprint spells "
                             "it (pro plus); the API's pro_plus is taken too")
    region: RenderRegion = "oregon"
    num_instances: Annotated[int, Field(ge=1, le=100)] = 1
    scaling: Scaling | None = None
    pre_deploy: bool = Field(default=True, description="run the release command as preDeployCommand (paid plans)")
    max_shutdown_delay_seconds: Annotated[int, Field(ge=1, le=300)] = 30
    database_plan: Annotated[str, Field(pattern=RENDER_PLAN, examples=["basic-256mb"])] = "basic-256mb"
    disk: RenderDisk | None = Field(default=None, description="a persistent disk at one of writable_paths")
    keyvalue_plan: KeyValuePlan = "starter"


KUBE_NAME = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"  # a DNS label: namespaces and object names
IMAGE_REF = r"^[a-z0-9][a-z0-9._\-/]*(:\d+)?[a-z0-9._\-/]*(:\w[\w.\-]{0,127})?$"  # registry[:port]/path[:tag]
QUANTITY = r"^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$"


class KubernetesResources(Model):
    cpu_request: Annotated[str, Field(pattern=QUANTITY)] = "250m"
    cpu_limit: Annotated[str, Field(pattern=QUANTITY)] = "1"
    memory_request: Annotated[str, Field(pattern=QUANTITY)] = "256Mi"
    memory_limit: Annotated[str, Field(pattern=QUANTITY)] = "512Mi"


class KubernetesPersistence(Model):
    """A PersistentVolumeClaim mounted at `path` (e.g. one of writable_paths); like a Render disk, one pod only."""

    path: Annotated[str, Field(pattern=r"^/[\w\-./]+$", examples=["/app/data"])]
    size: Annotated[str, Field(pattern=QUANTITY)] = "1Gi"
    storage_class: Annotated[str, Field(pattern=KUBE_NAME)] | None = None


class KubernetesSection(Model):
    """Manifests in k8s/ for `kubectl apply -k k8s/`; Postgres and Redis are external, their URLs in a Secret."""

    enabled: bool = True
    namespace: Annotated[str, Field(pattern=KUBE_NAME)] | None = Field(default=None, description="default: name")
    image: Annotated[str, Field(pattern=IMAGE_REF)] | None = Field(
        default=None, description="the image in your registry, e.g. ghcr.io/acme/gradebook:1.4.2 (default: name)")
    replicas: Annotated[int, Field(ge=1, le=100)] = 2
    min_replicas: Annotated[int, Field(ge=1, le=100)] | None = None
    max_replicas: Annotated[int, Field(ge=1, le=100)] | None = Field(
        default=None, description="set: a HorizontalPodAutoscaler from min_replicas (or replicas) to this")
    target_cpu_percent: Annotated[int, Field(ge=1, le=100)] = 70
    resources: KubernetesResources = KubernetesResources()
    release: Literal["job", "init-container"] = Field(
        default="job", description="run the release command as a Job, or as an init container in every pod")
    persistence: KubernetesPersistence | None = None
    egress_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default=[], description="TCP ports the app may reach besides its services' (e.g. 6543 for a pooler)")
    database_max_connections: Annotated[int, Field(ge=1, le=100000)] = Field(
        default=100, description="the external Postgres's max_connections, for doctor's budget (Postgres: 100)")

    @model_validator(mode="after")
    def bounds_and_one_pod_disks(self) -> KubernetesSection:
        if self.max_replicas is not None and (self.min_replicas or self.replicas) > self.max_replicas:
            raise ValueError("min_replicas (or replicas) must not exceed max_replicas")
        if self.persistence and (self.replicas > 1 or (self.max_replicas or 1) > 1):
            raise ValueError("a persistent volume is written by one pod (ReadWriteOnce), like a Render disk: set "
                             "replicas: 1 and no max_replicas, or keep the data in Postgres")
        return self

# A registry repository as docker names it: host[:port]/path, lower case; no tag (builder ci picks the tags).
IMAGE_REPO_PATTERN = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+$"


class CiSection(Model):
    """The CI build stage: which CI files `generate` writes and where `builder ci --push` sends the image."""

    provider: Literal["github", "gitlab", "none"] = Field(
        default="github", description="github: .github/workflows/builder.yml; gitlab: .gitlab-ci.yml; none: no CI file")
    image: Annotated[str, Field(pattern=IMAGE_REPO_PATTERN, examples=["ghcr.io/acme/gradebook"])] | None = Field(
        default=None, description="the registry repository CI pushes to and caches from; unset: "
        "ghcr.io/<owner>/<repo> on GitHub, $CI_REGISTRY_IMAGE on GitLab")
    branch: Annotated[str, Field(pattern=r"^[\w./-]{1,100}$")] = Field(
        default="main", description="the branch whose builds are pushed; its tag is every branch's cache source")
    install: Annotated[str, Field(pattern=r"^[^\n]{1,300}$")] | None = Field(
        default=None, description="the pip requirement that installs builder on the CI runner, e.g. "
        "`builder @ git+https://github.com/acme/builder@v0.1.0`; unset: builder[scan]==<this version>")
    render_from_registry: Annotated[str, Field(pattern=r"^[\w.-]{1,100}$")] | None = Field(
        default=None, description="deploy on Render from the pushed image instead of Dockerfile.render: the name of "
        "the registry credential in Render (needs `image`)")


# A finding's ID as lint, scan and doctor give it (BLD-IM-011, DOC-PROC-005, DL3008, DS-0002, CVE-2024-1234, ...).
FINDING_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9]{0,19}(-[A-Za-z0-9]{1,20}){0,4}$"


class IgnoreEntry(Model):
    """A finding acknowledged on purpose: lint, scan and doctor leave it out of their verdict; SARIF marks it
    suppressed. All three keys are required, so an ignore always says what, where and why."""

    id: Annotated[str, Field(pattern=FINDING_ID_PATTERN, examples=["BLD-IM-015"])]
    path: Annotated[str, Field(min_length=1, max_length=500, examples=["/app/.venv/lib/*/site-packages/*/tests/*"],
                               description="a glob (`*` crosses `/`) over the file the finding names, relative to "
                               "builder.yaml (Dockerfile, .env), or over a path inside the image; `*` is everywhere")]
    reason: Annotated[str, Field(min_length=3, max_length=500, examples=["test fixture of a dependency, never read"])]


PythonVersion = Literal["3.10", "3.11", "3.12", "3.13", "3.14"]
# `python: 3.12` unquoted is a YAML number; the versions that survive that (3.10 reads as 3.1) are taken as such.
UNQUOTED_PYTHONS = [float(v) for v in get_args(PythonVersion) if str(float(v)) == v]
_UnquotedPython = Annotated[float, WithJsonSchema({"enum": UNQUOTED_PYTHONS})]
ENV_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,99}$"
EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN)]


BuildStep = Annotated[str, Field(min_length=1, max_length=4000)]


class AppSpec(Model):
    """The whole of builder.yaml."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,40}$", examples=["gradebook"])]
    python: PythonVersion = "3.11"
    app: AppSection
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    health: HealthSection | None = Field(
        default=None, description="the app's own probe paths; leave it out and builder serves /_builder/live and "
        "/_builder/ready in front of the app (readiness checks every declared service), without touching its code")
    dockerfile: Annotated[str, Field(pattern=r"^Dockerfile[A-Za-z0-9_.-]{0,60}$")] = Field(
        default="Dockerfile", description="the name of the Dockerfile builder writes and builds; when the app has a "
        "Dockerfile of its own, give builder's another name, e.g. Dockerfile.builder")
    server: ServerSection = ServerSection()
    dependencies: DependenciesSection = DependenciesSection()
    system_packages: SystemPackages = SystemPackages()
    runtime: RuntimeSection = RuntimeSection()
    build_steps: list[BuildStep] = Field(
        default=[], description="shell commands run in the runtime image at build, as root")
    release: Annotated[str, Field(min_length=1, max_length=4000)] | None = Field(
        default=None, description="release command, e.g. migrations: `alembic upgrade head`")
    writable_paths: list[Annotated[str, Field(pattern=WRITABLE_PATH_PATTERN)]] = Field(
        [], description="directories inside the image the app user may write (e.g. a SQLite data dir), under /app, "
                        "/data, /tmp or /var/lib/<name>"
    )
    services: ServicesSection = ServicesSection()
    processes: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")], ProcessSection] = Field(
        default={}, description="workers and cron jobs beside the web server, by name")
    pool: PoolSection = PoolSection()
    env: dict[str, EnvVar] = {}
    smoke: list[SmokeRequest] = []
    budgets: Budgets = Budgets()
    load: LoadSection = LoadSection()
    render: RenderSection = RenderSection()
    kubernetes: KubernetesSection | None = None
    ci: CiSection = CiSection()
    ignore: list[IgnoreEntry] = Field(default=[], description="findings acknowledged on purpose, each with id, path "
                                      "and reason")

    @field_validator("env", mode="before", json_schema_input_type=dict[EnvName, EnvVar | str | int | float | bool])
    @classmethod
    def literal_shorthand(cls, env: Any) -> Any:
        """`KEY: text` means `KEY: {value: text}`."""
        if not isinstance(env, dict):
            return env
        return {k: {"value": _yaml_text(v)} if isinstance(v, str | int | float | bool) else v for k, v in env.items()}

    @field_validator("python", mode="before", json_schema_input_type=PythonVersion | _UnquotedPython)
    @classmethod
    def version_as_text(cls, value: Any) -> Any:
        """`python: 3.11` unquoted is a YAML number; 3.11 to 3.14 survive that, so take them (3.10 reads as 3.1)."""
        return str(value) if isinstance(value, float) and value in UNQUOTED_PYTHONS else value

    @field_validator("env")
    @classmethod
    def env_names(cls, env: dict[str, EnvVar]) -> dict[str, EnvVar]:
        for key in env:
            if not re.fullmatch(ENV_NAME_PATTERN, key):
                raise ValueError(f"environment variable name {clip(key)!r} should be UPPER_SNAKE_CASE")
        return env

    @field_validator("release")
    @classmethod
    def release_splits(cls, release: str | None) -> str | None:
        """The release command runs without a shell, split the way a shell would split it."""
        return None if release is None else shell_words(release, "the release command")


def shell_words(command: str, what: str) -> str:
    """`command`, refused unless it splits into words as a shell would (an unclosed quote would crash the plan)."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"{what} does not split into words: {exc}") from None
    if not words:
        raise ValueError(f"{what} is empty")
    return command


def _writable_path_problems(spec: AppSpec) -> list[tuple[tuple[str, ...], str, str]]:
    """/app itself holds the code, which the app user must not rewrite; /var/lib/<name> is this app's own."""
    problems: list[tuple[tuple[str, ...], str, str]] = []
    for index, path in enumerate(spec.writable_paths):
        if path.rstrip("/") == "/app":
            problems.append((("writable_paths", str(index)), "/app holds the app's code, which the app user must not "
                             "rewrite", "give a directory under it, e.g. /app/data"))
        elif path.startswith("/var/lib/") and path.split("/")[3] != spec.name:
            problems.append((("writable_paths", str(index)), f"{path} belongs to another app",
                             f"use /var/lib/{spec.name}, or a directory under /app, /data or /tmp"))
    return problems


def _yaml_text(value: str | int | float | bool) -> str:
    """A value as YAML wrote it: `DEBUG: false` means "false", not Python's "False"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cross_checks(spec: AppSpec) -> list[tuple[tuple[str, ...], str, str]]:
    """Mistakes that need two fields to see, as (field path, message, hint)."""
    problems: list[tuple[tuple[str, ...], str, str]] = []
    worker = spec.server.worker_class
    if spec.app.kind == "asgi" and worker not in (None, "uvicorn"):
        problems.append((("server", "worker_class"), f"an asgi app cannot run on the {worker} worker",
                         "use worker_class: uvicorn (uvicorn_worker.UvicornWorker), or set app.kind: wsgi"))
    if spec.app.kind == "wsgi" and worker == "uvicorn":
        problems.append((("server", "worker_class"), "the uvicorn worker serves asgi apps, not wsgi",
                         "use worker_class: gthread, or set app.kind: asgi"))
    delay = spec.render.max_shutdown_delay_seconds
    if spec.server.graceful_timeout >= delay:
        problems.append((("server", "graceful_timeout"),
                         f"graceful_timeout {spec.server.graceful_timeout}s is not below the platform's "
                         f"shutdown delay {delay}s, so workers get killed mid-request",
                         f"set server.graceful_timeout below {delay}, or raise render.max_shutdown_delay_seconds"))
    disk = spec.render.disk
    if disk and (spec.render.scaling or spec.render.num_instances > 1):
        problems.append((("render", "disk"), "a Render disk pins the service to one instance, but render asks for "
                         "scaling or more than one instance", "drop render.scaling and num_instances, or the disk "
                         "(keep the data in Postgres or object storage instead)"))
    if disk and disk.path not in spec.writable_paths:
        problems.append((("render", "disk", "path"), f"the disk's path {disk.path} is not one of writable_paths",
                         f"add {disk.path} to writable_paths, so the app's user may write there"))
    for name in spec.processes:
        if name in ("app", "release", "web", *ServicesSection.model_fields):
            problems.append((("processes", name), f"process name `{name}` is taken by builder's own services",
                             "pick another name, e.g. worker or nightly"))
    problems += _writable_path_problems(spec)
    if spec.ci.render_from_registry and not spec.ci.image:
        problems.append((("ci", "render_from_registry"), "Render can deploy from a registry only when the image is "
                         "named", "set ci.image to the repository CI pushes to, e.g. ghcr.io/acme/app"))
    for key, var in spec.env.items():
        if var.from_service and getattr(spec.services, var.from_service) is None:
            problems.append((("env", key, "from"), f"env {key} comes from {var.from_service}, which is not declared",
                             f"add services.{var.from_service}, or give {key} a value or `secret: true`"))
        elif var.from_service == "redis" and var.part not in ("url", "host", "port"):
            problems.append((("env", key, "part"), f"redis has no `{var.part}` part",
                             "use part: url, host or port for redis"))
    return problems
