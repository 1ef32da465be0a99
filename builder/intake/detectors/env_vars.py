"""env: each variable the app reads, wired from a service (its URL or one part), generated, or left to a person."""

from __future__ import annotations

import re

from builder.intake.envread import EnvRead, env_reads
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Found, Intake

# Set by builder, the platform or the runtime: the app reads them, but they are not the spec's to give.
_PROVIDED = re.compile(r"^(PORT|WEB_CONCURRENCY|HOST|HOSTNAME|HOME|PATH|PWD|USER|TZ|LANG|RENDER(_\w+)?|"
                       r"PYTHON\w*|DJANGO_SETTINGS_MODULE|FLASK_APP|FLASK_RUN_\w+|GUNICORN_CMD_ARGS|CI|DYNO)$")
URLS = {"postgres": re.compile(r"^((\w+_)?DATABASE_UR[LI]|(\w+_)?(DB|POSTGRES|POSTGRESQL|PG)_UR[LI]|"
                                r"SQLALCHEMY_DATABASE_UR[LI])$"),
         "redis": re.compile(r"^((\w+_)?REDIS_UR[LI]|REDIS_TLS_URL|VALKEY_URL|CACHE_URL|(CELERY_)?BROKER_URL|"
                             r"CELERY_RESULT_BACKEND|RQ_REDIS_URL)$")}
# Split settings: (prefix, setting). REDIS_ names are Redis's; the others are the database's.
_PART = re.compile(r"^(SQL|DB|DATABASE|POSTGRES|POSTGRESQL|PG|REDIS)_(HOST|PORT|USER|USERNAME|PASSWORD|PASS|NAME|"
                   r"DB|DATABASE|ENGINE)$")
_PARTS = {"HOST": "host", "PORT": "port", "USER": "user", "USERNAME": "user", "PASSWORD": "password",
          "PASS": "password", "NAME": "database", "DB": "database", "DATABASE": "database"}
_REDIS_PARTS = ("host", "port")  # builder's Redis has no user, password or numbered database to hand out
_DJANGO_POSTGRES = "django.db.backends.postgresql"
_GENERATED = re.compile(r"^((\w+_)?SECRET(_KEY)?|(\w+_)?SALT|JWT_\w*SECRET\w*)$")
_HOSTS = re.compile(r"^(\w+_)?ALLOWED_HOSTS$")
# Django answers 400 to a Host it does not allow; builder's probes and validate send `Host: localhost`.
_PROBE_HOST = "localhost"


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    services = {f.field.split(".")[1] for f in so_far.fields() if f.field.startswith("services.")}
    found: list[Detection] = []
    for read in env_reads(app):
        if not _PROVIDED.match(read.name):
            found += _part(read, services) or _binding(read, services)
    return found


def _part(read: EnvRead, services: set[str]) -> list[Detection]:
    """`SQL_HOST` -> {from: postgres, part: host}, when that service is declared."""
    match = _PART.match(read.name)
    if match is None:
        return []
    service = "redis" if match.group(1) == "REDIS" else "postgres"
    field, evidence = f"env.{read.name}", (read.evidence,)
    if service not in services:
        return []
    if match.group(2) == "ENGINE":
        return [Found(field, {"value": _DJANGO_POSTGRES}, evidence, note="Django's Postgres backend")] \
            if service == "postgres" else []
    part = _PARTS[match.group(2)]
    if service == "redis" and part not in _REDIS_PARTS:
        return []
    return [Found(field, {"from": service, "part": part}, evidence)]


def _binding(read: EnvRead, services: set[str]) -> list[Detection]:
    field, evidence = f"env.{read.name}", (read.evidence,)
    for service, pattern in URLS.items():
        if pattern.match(read.name) and service in services:
            return [Found(field, {"from": service}, evidence)]
    if _GENERATED.match(read.name):
        return [Found(field, {"generate": True}, evidence, note="a secret: the platform makes a random one")]
    if _HOSTS.match(read.name):
        return [Found(field, {"value": _PROBE_HOST}, evidence, guess=True,
                      note="admits builder's probes and validate (Host: localhost); on Render add the service's "
                           "hostname (name.onrender.com) to it on the platform")]
    if read.has_default:
        return [Found(f"fact.optional_env.{read.name}", True, evidence)]
    if not read.raises:
        return [Found(field, {"secret": True, "optional": True}, evidence, guess=True,
                      note="read with no default but not required: set it on the platform if the app needs it")]
    return [Found(field, {"secret": True}, evidence, guess=True, note="read with no default: set it on the platform")]
