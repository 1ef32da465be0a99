"""Health routes the app already has: liveness (process up) and readiness (its services reachable).

`health:` is written only for routes the app really has. Without them builder's own probes serve in front of the
app; they serve too when the app has liveness alone but declares services, since only a readiness route can show
an outage of Postgres or Redis, and builder's checks each service the app is wired to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from builder.intake.files import AppFiles
from builder.intake.model import FACT, Detection, Evidence, Found, Intake
from builder.plan.make import BUILDER_LIVENESS, BUILDER_READINESS
from builder.spec import HTTP_PATH_PATTERN

_DECORATOR = re.compile(r"^\s*@(\w+)\.(?:route|get|api_route|head)\(\s*[\"'](/[^\"']*)[\"']")
_DJANGO_PATH = re.compile(r"\b(?:re_)?path\(\s*r?[\"']\^?([^\"'$]*)\$?[\"']")
_LIVENESS = ("health", "healthz", "healthcheck", "health-check", "_health", "livez", "live", "liveness", "ping",
             "status", "up", "alive")
_READINESS = ("ready", "readyz", "readiness", "_ready")
LEFT_OUT = f"{FACT}left_out.health"
_URL_VARIABLE = {"postgres": "DATABASE_URL", "redis": "REDIS_URL"}


@dataclass(frozen=True)
class Route:
    path: str
    evidence: Evidence
    on_app: bool  # at the path as written: on the app itself, or on a router or blueprint mounted with no prefix


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    routes = _routes(app, so_far)
    live, ready = _pick(routes, _LIVENESS), _pick(routes, _READINESS)
    services = [f.field.split(".")[1] for f in so_far.fields() if f.field.startswith("services.")]
    if live and ready:
        return [_found("health.liveness", live), _found("health.readiness", ready)]
    if live and not services:
        return [_found("health.liveness", live)]
    return [_left_out(live, ready, services, _unwired(so_far, services))]


def _unwired(so_far: Intake, services: list[str]) -> list[str]:
    """Services no variable of the app's is wired from: builder's readiness can only try their ports."""
    wired = {f.value.get("from") for f in so_far.fields() if f.field.startswith("env.") and isinstance(f.value, dict)}
    return [s for s in services if s not in wired]


def _found(field: str, route: Route) -> Found:
    note = "" if route.on_app else "on a blueprint or router: check its URL prefix"
    return Found(field, route.path, (route.evidence,), guess=not route.on_app, note=note)


def _left_out(live: Route | None, ready: Route | None, services: list[str], unwired: list[str]) -> Found:
    probes = f"builder serves {BUILDER_LIVENESS} and {BUILDER_READINESS} in front of the app"
    checks = f", readiness checking {' and '.join(services)}" if services else ""
    if unwired:
        # Without the app's credentials a login would fail for ever; a port check is all readiness may claim.
        checks += (f" ({' and '.join(unwired)} by {'their ports' if len(unwired) > 1 else 'its port'} only: no "
                   f"variable the app reads says how it connects; wire one, e.g. env: "
                   f"{_URL_VARIABLE.get(unwired[0], 'URL')}: {{from: {unwired[0]}}})")
    if live:
        why = f"the app's {live.path} is liveness only, and only readiness can show a {' or '.join(services)} outage"
    elif ready:
        why = f"the app has {ready.path} but no liveness route"
    else:
        why = "the app has no health routes"
    evidence = tuple(r.evidence for r in (live, ready) if r)
    return Found(LEFT_OUT, f"health: {why}; {probes}{checks}", evidence)


def _pick(routes: list[Route], names: tuple[str, ...]) -> Route | None:
    matching = [r for r in routes if r.path.strip("/").rsplit("/", 1)[-1].lower() in names]
    return min(matching, key=lambda r: (not r.on_app, r.path.count("/"), len(r.path)), default=None)


def _routes(app: AppFiles, so_far: Intake) -> list[Route]:
    # Inside a factory the app is a local, by convention `app`.
    app_names = {str(so_far.value("app.module", ":app")).split(":")[-1].removesuffix("()"), "app", "application"}
    routes = []
    for line, match in app.grep(_DECORATOR, app.python()):
        owner = match.group(1)
        on_app = owner in app_names or _mounted_bare(app, owner)
        routes.append(Route(match.group(2), _evidence(line.file, line.number, line.text), on_app))
    if so_far.value("app.framework") == "django":
        for rel in [p for p in app.python() if p.endswith("urls.py")]:
            for line, match in app.grep(_DJANGO_PATH, [rel]):
                path = "/" + match.group(1)
                # Only the root URLconf's own paths are known to sit at /; an app's urls.py hangs under a prefix.
                routes.append(Route(path, _evidence(rel, line.number, line.text), rel.count("/") <= 1))
    return [r for r in routes if re.fullmatch(HTTP_PATH_PATTERN, r.path)]


def _mounted_bare(app: AppFiles, owner: str) -> bool:
    """A router or blueprint made and mounted with no prefix on one line each, so its paths are the app's."""
    name = re.escape(owner)
    made = re.compile(rf"^{name}\s*=\s*(?:\w+\.)?(?:APIRouter|Blueprint)\((.*)\)\s*$")
    mounted = re.compile(rf"\.(?:include_router|register_blueprint)\(\s*(?:\w+\.)?{name}\b\s*(.*)\)\s*$")
    found_made = [m.group(1) for _, m in app.grep(made, app.python())]
    found_mounted = [m.group(1) for _, m in app.grep(mounted, app.python())]
    return bool(found_made and found_mounted) and not any("prefix" in args for args in found_made + found_mounted)


def _evidence(rel: str, number: int, text: str) -> Evidence:
    return Evidence(rel, number, text.strip()[:200])
