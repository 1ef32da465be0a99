"""Health routes the app already has: liveness (process up) and readiness (its services reachable)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake, Unexpressed
from builder.spec import HTTP_PATH_PATTERN

_DECORATOR = re.compile(r"^\s*@(\w+)\.(?:route|get|api_route|head)\(\s*[\"'](/[^\"']*)[\"']")
_DJANGO_PATH = re.compile(r"\b(?:re_)?path\(\s*r?[\"']\^?([^\"'$]*)\$?[\"']")
_LIVENESS = ("health", "healthz", "healthcheck", "health-check", "_health", "livez", "live", "liveness", "ping",
             "status", "up", "alive")
_READINESS = ("ready", "readyz", "readiness", "_ready")


@dataclass(frozen=True)
class Route:
    path: str
    evidence: Evidence
    on_app: bool  # on the app object itself, not a blueprint or router whose prefix intake does not follow


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    routes = _routes(app, so_far)
    live = _pick(routes, _LIVENESS)
    ready = _pick(routes, _READINESS)
    found: list[Detection] = []
    if live:
        found.append(_found("health.liveness", live))
    if ready:
        found.append(_found("health.readiness", ready))
    if not live:
        found += _fallback(routes, ready, so_far)
    return found


def _found(field: str, route: Route) -> Found:
    note = "" if route.on_app else "on a blueprint or router: check its URL prefix"
    return Found(field, route.path, (route.evidence,), guess=not route.on_app, note=note)


def _fallback(routes: list[Route], ready: Route | None, so_far: Intake) -> list[Detection]:
    missing = Unexpressed("no health route in the app: liveness points at a page that exists, readiness at nothing; "
                          "add a /health route (and /ready checking the database) for real probes")
    if ready:
        return [_found("health.liveness", ready), missing]
    root = next((r for r in routes if r.path == "/"), None)
    if root:
        return [Found("health.liveness", "/", (root.evidence,), guess=True, note="the home page"), missing]
    if so_far.value("app.framework") == "fastapi":
        return [Found("health.liveness", "/openapi.json", (), guess=True, note="FastAPI serves it by default"),
                missing]
    return [Found("health.liveness", "/", (), guess=True, note="no route found to point it at"), missing]


def _pick(routes: list[Route], names: tuple[str, ...]) -> Route | None:
    matching = [r for r in routes if r.path.strip("/").rsplit("/", 1)[-1].lower() in names]
    return min(matching, key=lambda r: (not r.on_app, r.path.count("/"), len(r.path)), default=None)


def _routes(app: AppFiles, so_far: Intake) -> list[Route]:
    app_name = str(so_far.value("app.module", ":app")).split(":")[-1].removesuffix("()")
    routes = []
    for line, match in app.grep(_DECORATOR, app.python()):
        # Inside a factory the app is a local, by convention `app`.
        on_app = match.group(1) in (app_name, "app", "application")
        routes.append(Route(match.group(2), _evidence(line.file, line.number, line.text), on_app))
    if so_far.value("app.framework") == "django":
        for rel in [p for p in app.python() if p.endswith("urls.py")]:
            for line, match in app.grep(_DJANGO_PATH, [rel]):
                path = "/" + match.group(1)
                # Only the root URLconf's own paths are known to sit at /; an app's urls.py hangs under a prefix.
                routes.append(Route(path, _evidence(rel, line.number, line.text), rel.count("/") <= 1))
    return [r for r in routes if re.fullmatch(HTTP_PATH_PATTERN, r.path)]


def _evidence(rel: str, number: int, text: str) -> Evidence:
    return Evidence(rel, number, text.strip()[:200])
