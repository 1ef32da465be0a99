"""Postgres and Redis, from the drivers the app depends on; versions from its compose file or render.yaml; a
database that lives elsewhere (external) from what render.yaml or the example .env says of it."""

from __future__ import annotations

import re
from typing import Any

import yaml

from builder.intake.commands import COMPOSE_FILES
from builder.intake.deps import dependency_source
from builder.intake.detectors.env_vars import URLS
from builder.intake.envread import EXAMPLE_FILES
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake

DRIVERS = {
    "postgres": ("psycopg", "psycopg2", "psycopg2-binary", "psycopg-binary", "psycopg-c", "asyncpg", "pg8000",
                 "aiopg"),
    "redis": ("redis", "rq", "celery", "django-redis", "hiredis", "aioredis", "flask-caching", "dramatiq",
              "arq", "django-rq", "flask-rq2", "channels-redis"),
}
_IMAGES = {"postgres": re.compile(r"^\s*image:\s*[\"']?(?:[\w./-]+/)?postgres(?:ql)?:(\d{2})"),
           "redis": re.compile(r"^\s*image:\s*[\"']?(?:[\w./-]+/)?(?:redis|valkey/valkey):(\d)")}
_RENDER_PG = re.compile(r"^\s*postgresMajorVersion:\s*[\"']?(\d{2})")
# Hosted Postgres providers, as their connection strings name them.
_HOSTED = re.compile(r"@[\w.-]*(supabase\.(co|com)|rds\.amazonaws\.com|neon\.tech|aivencloud\.com|"
                     r"cockroachlabs\.cloud|elephantsql\.com|db\.ondigitalocean\.com|azure\.com)\b")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    packages = dependency_source(app).packages
    found: list[Detection] = []
    for service, drivers in DRIVERS.items():
        used = [packages[d] for d in drivers if d in packages]
        if not used:
            continue
        version = _version(app, service)
        value: dict[str, Any] = {"version": version[0]} if version else {}
        evidence = tuple(used) + ((version[1],) if version else ())
        notes = [] if version else ["version: builder's default"]
        if service == "postgres" and (elsewhere := _external(app)):
            value["external"] = True
            evidence += (elsewhere,)
            notes.append("external: Render gets a secret URL; validate runs a local Postgres")
        found.append(Found(f"services.{service}", value, evidence, note="; ".join(notes)))
    return found


def _version(app: AppFiles, service: str) -> tuple[str, Evidence] | None:
    for rel in COMPOSE_FILES:
        for line in app.lines(rel):
            if match := _IMAGES[service].match(line.text):
                return match.group(1), Evidence(rel, line.number, line.text.strip())
    if service == "postgres":
        for line in app.lines("render.yaml"):
            if match := _RENDER_PG.match(line.text):
                return match.group(1), Evidence("render.yaml", line.number, line.text.strip())
    return None


def _external(app: AppFiles) -> Evidence | None:
    """The example .env points the database URL at a hosted provider, or render.yaml asks a person for it (sync:
    false) and provisions no database."""
    for rel in EXAMPLE_FILES:
        for line in app.lines(rel):
            name = line.text.split("=", 1)[0].strip().removeprefix("export ").strip()
            if URLS["postgres"].match(name) and _HOSTED.search(line.text):
                return Evidence(rel, line.number, name)  # the URL itself may hold a password: only its name
    return _asked_in_render_yaml(app)


def _asked_in_render_yaml(app: AppFiles) -> Evidence | None:
    data = _render_yaml(app)
    if not isinstance(data, dict) or data.get("databases"):
        return None
    for service in data.get("services") or []:
        for var in (service.get("envVars") or []) if isinstance(service, dict) else []:
            if isinstance(var, dict) and URLS["postgres"].match(str(var.get("key"))) and var.get("sync") is False:
                hit = next((ln for ln in app.lines("render.yaml") if str(var["key"]) in ln.text), None)
                return Evidence("render.yaml", hit.number if hit else None, f"key: {var['key']}, sync: false")
    return None


def _render_yaml(app: AppFiles) -> Any:
    try:
        return yaml.safe_load(app.text("render.yaml") or "") or {}
    except yaml.YAMLError:
        return {}  # an unparseable file offers no evidence
