"""Everything doctor checks, read once: the plan, builder.yaml's lines, the blueprint, start files, env values and
requirements.

Checks are pure functions of a DoctorContext; all file reading happens here. A file builder generates but that is not
on disk yet is checked as `builder generate` would write it, so doctor works before the first `generate` too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.doctor.app_writes import written_dirs
from builder.doctor.base import Where
from builder.doctor.engine_args import EnginePool, engine_pools
from builder.doctor.sources import (
    EnvValue,
    Requirements,
    YamlDoc,
    parse_yaml,
    read_dotenv,
    read_requirements,
    read_text,
    small_int,
)
from builder.doctor.startup import (
    DockerfileFacts,
    Setting,
    StartCommand,
    command_from_dockerfile,
    gunicorn_flags,
    parse_dockerfile,
    read_gunicorn_config,
    server_argv,
    split_command,
)
from builder.generate import owner_of
from builder.plan import BuildPlan
from builder.spec import SPEC_FILENAME
from builder.targets import artifacts_for
from builder.templates import Artifact

BLUEPRINT = "render.yaml"
GUNICORN_CONFIG = "gunicorn.conf.py"
# Words in app code that show the app already handles a pitfall doctor would otherwise report.
# A driver's scheme in app code: the app points plain Postgres URLs at that driver itself.
SCHEME_REWRITES = ("postgresql+psycopg://", "postgresql+asyncpg://", "postgresql+pg8000://")
SOURCE_MARKERS = ("prepare_threshold", "statement_cache_size", "patch_psycopg", *SCHEME_REWRITES)
if TYPE_CHECKING:
    from builder.project import Project

_SKIP_DIRS = {".venv", "venv", "node_modules", ".git", "__pycache__", ".tox", ".mypy_cache"}


@dataclass(frozen=True)
class WorkerCount:
    count: int
    source: str  # what decides it, for messages
    where: Where


@dataclass(frozen=True)
class DoctorContext:
    plan: BuildPlan
    root: Path
    spec_doc: YamlDoc
    blueprint: YamlDoc
    blueprint_from_spec: bool  # generated from builder.yaml and not edited: fixes belong in builder.yaml
    dockerfiles: dict[str, DockerfileFacts]  # the Dockerfiles on disk, and any the blueprint builds
    gunicorn: dict[str, Setting]
    gunicorn_file: str
    env: tuple[EnvValue, ...]
    requirements: Requirements
    version_files: tuple[tuple[str, str, Where], ...]  # (.python-version, its text, where)
    source_markers: frozenset[str]
    gunicorn_from_spec: bool = False  # gunicorn.conf.py is builder's, unedited: its settings come from builder.yaml
    app_writes: tuple[tuple[str, Where], ...] = ()  # directories the app's code writes (literal paths), and where
    engine_pools: tuple[EnginePool, ...] = ()  # the app's own create_engine() pools, where literal

    def spec_at(self, *path: str) -> Where:
        return self.spec_doc.at(*path)

    @cached_property
    def services(self) -> list[dict[str, Any]]:
        """The blueprint's services, each a mapping (anything else in the list is skipped)."""
        return _mappings(self.blueprint.data, "services")

    @cached_property
    def databases(self) -> list[dict[str, Any]]:
        return _mappings(self.blueprint.data, "databases")

    @cached_property
    def web(self) -> tuple[int, dict[str, Any]] | None:
        """The first web service that runs a container (static sites have no process to check)."""
        for index, service in enumerate(self.services):
            if service.get("type") == "web" and service.get("runtime", service.get("env")) != "static":
                return index, service
        return None

    def web_at(self, *path: str) -> Where:
        """A place in the web service's blueprint entry."""
        index = self.web[0] if self.web else 0
        return self.blueprint.at("services", index, *path)

    def web_field(self, name: str, default: Any = None) -> Any:
        """A field of the web service's blueprint entry, or `default` without one."""
        return self.web[1].get(name, default) if self.web else default

    def in_blueprint(self, fix: str, spec_fix: str | None = None) -> str:
        """A fix for the blueprint: in builder.yaml when render.yaml is generated from it, else in render.yaml.

        `spec_fix` None: builder.yaml has no setting for it, so a generated file with the problem is builder's bug.
        """
        if not self.blueprint_from_spec:
            return fix
        if spec_fix is None:
            return f"{BLUEPRINT} is generated: run `builder generate`, and report a builder bug if it stays"
        return f"{spec_fix} in {SPEC_FILENAME}, then run `builder generate`"

    def in_server(self, fix: str, spec_fix: str) -> str:
        """A fix for gunicorn's settings: in builder.yaml when builder wrote gunicorn.conf.py from it."""
        return f"{spec_fix} in {SPEC_FILENAME}, then run `builder lock` and `builder generate`" \
            if self.gunicorn_from_spec else fix

    @cached_property
    def start(self) -> StartCommand | None:
        """What Render starts: the web service's dockerCommand, else its Dockerfile's ENTRYPOINT and CMD."""
        command = self.web_field("dockerCommand")
        if isinstance(command, str) and command.strip():
            return StartCommand(tuple(split_command(command)), None, self.web_at("dockerCommand"),
                                f"dockerCommand in {BLUEPRINT}")
        path = self.web_field("dockerfilePath", "Dockerfile" if self.web else "Dockerfile.render")
        facts = self.dockerfiles.get(str(path).removeprefix("./"))
        return command_from_dockerfile(facts) if facts else None

    @cached_property
    def server(self) -> tuple[str, tuple[str, ...], bool | None]:
        """("gunicorn" | "uvicorn" | "", its arguments, whether a shell expands them)."""
        return server_argv(self.start) if self.start else ("", (), None)

    def gunicorn_setting(self, name: str) -> Setting | None:
        """A gunicorn setting from the start command, else from gunicorn.conf.py; None when neither gives it."""
        program, args, _ = self.server
        if program != "gunicorn":
            return None
        given = gunicorn_flags(args)
        if name in given and self.start:
            raw = given[name]
            number = small_int(raw)
            return Setting(raw if number is None else number, raw, self.start.where, from_command=True)
        config = given.get("config", GUNICORN_CONFIG)
        return self.gunicorn.get(name) if config.rsplit("/", 1)[-1] == GUNICORN_CONFIG else None

    @cached_property
    def workers(self) -> WorkerCount:
        """How many worker processes each instance runs, and what says so."""
        setting = self.gunicorn_setting("workers")
        if setting and isinstance(setting.value, int):
            return WorkerCount(setting.value, f"workers in {setting.where.file}", setting.where)
        concurrency = next((e for e in self.env if e.name == "WEB_CONCURRENCY" and e.committed), None)
        if concurrency and (count := small_int(concurrency.value)) is not None:
            return WorkerCount(count, "WEB_CONCURRENCY", concurrency.where)
        if self.plan.server.workers:
            return WorkerCount(self.plan.server.workers, "server.workers", self.spec_at("server", "workers"))
        # cpu_count() sees the host's CPUs, and Render's hosts have many: the formula reaches its cap.
        return WorkerCount(self.plan.server.max_workers, "server.max_workers, the cap of 2 x CPUs + 1",
                           self.spec_at("server", "max_workers"))

    @cached_property
    def instances(self) -> int:
        """The most instances the web service runs: scaling's maximum, else numInstances."""
        if not self.web:
            render = self.plan.render
            return render.scaling["maxInstances"] if render.scaling else render.num_instances
        scaling = self.web_field("scaling")
        if isinstance(scaling, dict) and isinstance(scaling.get("maxInstances"), int):
            return int(scaling["maxInstances"])
        count = self.web_field("numInstances")
        return count if isinstance(count, int) and count > 0 else 1


def gather(project: Project, *, environ: Mapping[str, str]) -> DoctorContext:
    """Read every input doctor checks. `environ` is the process environment (pass {} to leave it out)."""
    root, plan = project.root, project.plan
    generated = {a.name: a for a in artifacts_for(plan)}
    spec_doc = parse_yaml(read_text(project.spec_path) or "", SPEC_FILENAME)
    blueprint_text, from_spec = _current(root, BLUEPRINT, generated)
    blueprint = parse_yaml(blueprint_text or "", BLUEPRINT)
    gunicorn_text, gunicorn_from_spec = _current(root, GUNICORN_CONFIG, generated)
    env = _spec_env(plan, spec_doc) + ([] if from_spec else _blueprint_env(blueprint)) + _dotenv(root)
    declared = {e.name for e in plan.env} | {e.name for e in env}
    code = _python_files(root)
    return DoctorContext(
        plan=plan, root=root, spec_doc=spec_doc, blueprint=blueprint, blueprint_from_spec=from_spec,
        dockerfiles=_dockerfiles(root, generated, blueprint, [image.filename for image in plan.images]),
        gunicorn=read_gunicorn_config(gunicorn_text or "", GUNICORN_CONFIG),
        gunicorn_file=GUNICORN_CONFIG, env=tuple(env + _environment(environ, declared)),
        requirements=read_requirements(root, _installed_from(root, plan)),
        version_files=_version_files(root), source_markers=_source_markers(code),
        gunicorn_from_spec=gunicorn_from_spec,
        app_writes=written_dirs(code, root), engine_pools=engine_pools(code, root),
    )


def _installed_from(root: Path, plan: BuildPlan) -> str:
    """What the image installs: the lock when there is one (`builder lock` adds the server the spec needs), else the
    requirements the lock will be made from."""
    lock = plan.dependencies.lock
    return lock if (root / lock).is_file() else plan.dependencies.requirements


def _current(root: Path, name: str, generated: dict[str, Artifact]) -> tuple[str | None, bool]:
    """The file on disk, else as `generate` would write it; and whether its content comes from builder.yaml."""
    path = root / name
    if path.is_file():
        return read_text(path), owner_of(path) is None
    artifact = generated.get(name)
    return (artifact.text, True) if artifact else (None, False)


def _mappings(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    return [item if isinstance(item, dict) else {} for item in items] if isinstance(items, list) else []


def _spec_env(plan: BuildPlan, doc: YamlDoc) -> list[EnvValue]:
    return [EnvValue(e.name, e.value, doc.at("env", e.name), "spec")
            for e in plan.env if e.source == "value" and e.value is not None]


def _blueprint_env(doc: YamlDoc) -> list[EnvValue]:
    values = []
    for group_key in ("services", "envVarGroups"):
        for index, owner in enumerate(_mappings(doc.data, group_key)):
            entries = owner.get("envVars")
            for number, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict) and isinstance(entry.get("key"), str) and "value" in entry:
                    where = doc.at(group_key, index, "envVars", number, "value")
                    values.append(EnvValue(entry["key"], str(entry["value"]), where, "blueprint"))
    return values


def _dotenv(root: Path) -> list[EnvValue]:
    values: list[EnvValue] = []
    for path in sorted(root.glob(".env*")):
        text = read_text(path) if path.is_file() else None
        if text is not None:
            values += read_dotenv(text, path.name)
    return values


def _environment(environ: Mapping[str, str], declared: set[str]) -> list[EnvValue]:
    """Only the variables the app declares or the .env files set: the rest of a shell's environment is not the app's."""
    return [EnvValue(name, environ[name], Where(), "environment") for name in sorted(declared) if name in environ]


def _dockerfiles(root: Path, generated: dict[str, Artifact], blueprint: YamlDoc,
                 own: list[str]) -> dict[str, DockerfileFacts]:
    """builder's Dockerfiles (the plan's names) on disk, and any the blueprint builds."""
    names = {name for name in own if (root / name).is_file()}
    for service in _mappings(blueprint.data, "services"):
        path = service.get("dockerfilePath")
        if isinstance(path, str) or service.get("runtime", service.get("env")) == "docker":
            names.add(str(Path(path if isinstance(path, str) else "Dockerfile")).removeprefix("./"))
    facts = {}
    for name in sorted(names):
        text, _ = _current(root, name, generated)
        if text is not None:
            facts[name] = parse_dockerfile(text, name)
    return facts


def _version_files(root: Path) -> tuple[tuple[str, str, Where], ...]:
    found = []
    for name in (".python-version", "runtime.txt"):
        text = read_text(root / name)
        lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]
        lines = [(n, line) for n, line in lines if not line.startswith("#")]
        if lines:
            found.append((name, lines[0][1], Where(name, lines[0][0])))
    return tuple(found)


def _source_markers(files: list[Path]) -> frozenset[str]:
    found: set[str] = set()
    for path in files:
        text = read_text(path) or ""
        found |= {marker for marker in SOURCE_MARKERS if marker in text}
    return frozenset(found)


def _python_files(root: Path) -> list[Path]:
    files = []
    for path in root.rglob("*.py"):
        if not _SKIP_DIRS.intersection(path.relative_to(root).parts) and path.is_file():
            files.append(path)
    return files


def python_minor(text: str) -> str | None:
    """3.11 from "3.11.9", "python-3.11.9", "python:3.11-slim-bookworm"; None when no version is there."""
    match = re.search(r"(?<![\d.])(3\.\d{1,2})(?:\.\d+)?(?![\d])", text)
    return match.group(1) if match else None
