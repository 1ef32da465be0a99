"""builder's compose policy: a compose file -> Findings (BLD-CO-*), each at the line of the key it is about."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from builder.errors import BuilderError
from builder.findings import Finding
from builder.quality.rules import rule
from builder.safe_files import read_regular
from builder.safe_yaml import SafeYamlLoader, load_yaml

# Stateful services: they must not be reachable from outside, and their images write to several paths as several
# users, so read_only and cap_drop ALL are not asked of them ("where the service allows").
DATA_SERVICES = frozenset({"postgres", "postgis", "mysql", "mariadb", "mongo", "mongodb", "redis", "valkey", "keydb",
                           "memcached", "db", "database", "cache", "elasticsearch", "opensearch", "rabbitmq"})
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
_DEFAULTED = re.compile(r"\$\{\w+:?-([^}]*)\}")


class Lined(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based) and its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.lines: dict[str, int] = {}


class _LineLoader(SafeYamlLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = Lined({str(key): value for key, value in super().construct_mapping(node, deep=True).items()})
        mapping.line = node.start_mark.line + 1
        mapping.lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)

Service = tuple[str, Lined]
Check = Callable[[Service, "ComposeFile"], Iterator[Finding]]


class ComposeFile:
    """A parsed compose file: its services and which of them are one-shot jobs that others wait to complete."""

    def __init__(self, data: Lined, *, shown_as: str) -> None:
        services = data.get("services")
        self.services: Lined = services if isinstance(services, Lined) else Lined()
        self.file = shown_as
        # One-shot jobs need no healthcheck: what others wait on to complete (a release), and what runs only on
        # demand under a profile and is never restarted (a cron job's local stand-in).
        self.one_shot = {name for _, svc in self.items() for name, cond in _dependencies(svc).items()
                         if cond == "service_completed_successfully"}
        self.one_shot |= {name for name, svc in self.items()
                          if svc.get("profiles") and str(svc.get("restart", "")).lower() in ("no", "false")}

    def items(self) -> list[Service]:
        return [(name, svc) for name, svc in self.services.items() if isinstance(svc, Lined)]

    def find(self, rule_id: str, service: Service, key: str, message: str) -> Finding:
        name, svc = service
        line = svc.lines.get(key) or self.services.lines.get(name, svc.line)
        return rule(rule_id).finding(file=self.file, line=line, message=f"{name}: {message}")


def read_compose(path: Path, *, shown_as: str) -> ComposeFile:
    try:
        # Bounded like builder.yaml: no alias bomb, recursion or nesting that would crash the checks.
        text = read_regular(path)
        if text is None:
            raise OSError(f"{path.name} is missing or not a regular file")
        data = load_yaml(text, loader=_LineLoader)[0]
    except OSError as exc:
        raise BuilderError(f"cannot read {path}: {exc}", hint="check the path", file=path) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BuilderError(f"{path} is not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                           line=mark.line + 1 if mark else None, hint="fix the YAML syntax at that line") from exc
    if not isinstance(data, Lined) or not isinstance(data.get("services"), Lined):
        raise BuilderError(f"{path} has no `services:` mapping", file=path,
                           hint="is this a compose file? It needs a top-level `services:` map")
    return ComposeFile(data, shown_as=shown_as)


def check_compose(compose: ComposeFile) -> list[Finding]:
    return [finding for service in compose.items() for check in CHECKS for finding in check(service, compose)]


def _healthcheck(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    name, svc = service
    health = svc.get("healthcheck")
    disabled = isinstance(health, dict) and (health.get("disable") or health.get("test") in (["NONE"], "NONE"))
    if name not in compose.one_shot and (not isinstance(health, dict) or disabled):
        yield compose.find("BLD-CO-001", service, "healthcheck", "no healthcheck, so nothing can wait for it")


def _depends_on(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    for dependency, condition in _dependencies(service[1]).items():
        fine = condition == "service_healthy" or (condition == "service_completed_successfully"
                                                  and dependency in compose.one_shot)
        if not fine:
            yield compose.find("BLD-CO-002", service, "depends_on", f"depends_on {dependency} with condition"
                               f" {condition or 'service_started'}, which does not wait until it is healthy")


def _published(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    if not _is_data_service(service):
        return
    for port in service[1].get("ports") or []:
        if _on_all_interfaces(port):
            yield compose.find("BLD-CO-003", service, "ports", f"port {_port_text(port)} is published on all"
                               " interfaces")


def _docker_socket(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    for volume in service[1].get("volumes") or []:
        source = volume.get("source", "") if isinstance(volume, dict) else str(volume).split(":")[0]
        if source in DOCKER_SOCKETS:
            yield compose.find("BLD-CO-004", service, "volumes", f"mounts {source}")


def _privileged(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    if service[1].get("privileged") is True:
        yield compose.find("BLD-CO-005", service, "privileged", "runs privileged")


def _hardening(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    _, svc = service
    if not _is_data_service(service):
        if svc.get("read_only") is not True:
            yield compose.find("BLD-CO-006", service, "read_only", "the root filesystem is writable")
        if "ALL" not in [str(c).upper() for c in svc.get("cap_drop") or []]:
            yield compose.find("BLD-CO-007", service, "cap_drop", "keeps the default capabilities")
    options = [str(o).replace("=", ":").replace(" ", "") for o in svc.get("security_opt") or []]
    if not {"no-new-privileges", "no-new-privileges:true"} & set(options):
        yield compose.find("BLD-CO-008", service, "security_opt", "no-new-privileges is not set")


def _host_namespaces(service: Service, compose: ComposeFile) -> Iterator[Finding]:
    for key in ("network_mode", "pid", "ipc"):
        if service[1].get(key) == "host":
            yield compose.find("BLD-CO-009", service, key, f"{key}: host")


CHECKS: tuple[Check, ...] = (_healthcheck, _depends_on, _published, _docker_socket, _privileged, _hardening,
                             _host_namespaces)


def _dependencies(svc: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}; the short list form and a missing condition mean ""."""
    depends = svc.get("depends_on") or {}
    if isinstance(depends, list):
        return {str(name): "" for name in depends}
    return {str(name): str((spec or {}).get("condition", "")) if isinstance(spec, dict) else ""
            for name, spec in depends.items()}


def _is_data_service(service: Service) -> bool:
    name, svc = service
    image = _DEFAULTED.sub(r"\1", str(svc.get("image", "")))
    repository = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return name.lower() in DATA_SERVICES or repository.lower() in DATA_SERVICES


def _on_all_interfaces(port: Any) -> bool:
    if isinstance(port, dict):
        return port.get("host_ip") in (None, "", "0.0.0.0", "::")
    parts = _DEFAULTED.sub(r"\1", str(port)).rsplit(":", 2)
    # "5432" (a random host port), "5432:5432" and "0.0.0.0:5432:5432" all listen everywhere.
    return len(parts) < 3 or parts[0].strip("[]") in ("", "0.0.0.0", "::")


def _port_text(port: Any) -> str:
    return f"{port.get('published')}:{port.get('target')}" if isinstance(port, dict) else str(port)
