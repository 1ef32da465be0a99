"""Postgres and Redis, from the drivers the app depends on; versions from its compose file or render.yaml."""

from __future__ import annotations

import re

from builder.intake.commands import COMPOSE_FILES
from builder.intake.deps import dependency_source
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


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    packages = dependency_source(app).packages
    found: list[Detection] = []
    for service, drivers in DRIVERS.items():
        used = [packages[d] for d in drivers if d in packages]
        if not used:
            continue
        version = _version(app, service)
        value = {"version": version[0]} if version else {}
        evidence = tuple(used) + ((version[1],) if version else ())
        found.append(Found(f"services.{service}", value, evidence,
                           note="" if version else "version: builder's default"))
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
