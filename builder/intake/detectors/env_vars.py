"""env: each variable the app reads, wired from a service, generated, or left to a person (a secret)."""

from __future__ import annotations

import re

from builder.intake.envread import EnvRead, env_reads
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Found, Intake, Unexpressed

# Set by builder, the platform or the runtime: the app reads them, but they are not the spec's to give.
_PROVIDED = re.compile(r"^(PORT|WEB_CONCURRENCY|HOST|HOSTNAME|HOME|PATH|PWD|USER|TZ|LANG|RENDER(_\w+)?|"
                       r"PYTHON\w*|DJANGO_SETTINGS_MODULE|FLASK_APP|FLASK_RUN_\w+|GUNICORN_CMD_ARGS|CI|DYNO)$")
_URLS = {"postgres": re.compile(r"^((\w+_)?DATABASE_UR[LI]|(\w+_)?(DB|POSTGRES|POSTGRESQL|PG)_UR[LI]|"
                                r"SQLALCHEMY_DATABASE_UR[LI])$"),
         "redis": re.compile(r"^((\w+_)?REDIS_UR[LI]|REDIS_TLS_URL|VALKEY_URL|CACHE_URL|(CELERY_)?BROKER_URL|"
                             r"CELERY_RESULT_BACKEND|RQ_REDIS_URL)$")}
_PART = re.compile(r"^(SQL|DB|DATABASE|POSTGRES|POSTGRESQL|PG|REDIS)_(HOST|PORT|USER|USERNAME|PASSWORD|PASS|NAME|"
                   r"DB|DATABASE|ENGINE)$")
_GENERATED = re.compile(r"^((\w+_)?SECRET(_KEY)?|(\w+_)?SALT|JWT_\w*SECRET\w*)$")
_HOSTS = re.compile(r"^(\w+_)?ALLOWED_HOSTS$")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    services = {name.split(".")[1] for f in so_far.fields() if (name := f.field).startswith("services.")}
    found: list[Detection] = []
    parts = []
    for read in env_reads(app):
        if _PROVIDED.match(read.name):
            continue
        if _PART.match(read.name):
            parts.append(read)
        else:
            found += _binding(read, services)
    if parts:
        names = ", ".join(p.name for p in parts)
        found.append(Unexpressed(f"the app reads the database in parts ({names}); builder.yaml wires only whole "
                                 "URLs (from: postgres), so these are left unset: set them on the platform",
                                 tuple(p.evidence for p in parts)))
    return found


def _binding(read: EnvRead, services: set[str]) -> list[Detection]:
    field, evidence = f"env.{read.name}", (read.evidence,)
    for service, pattern in _URLS.items():
        if pattern.match(read.name) and service in services:
            return [Found(field, {"from": service}, evidence)]
    if _GENERATED.match(read.name):
        return [Found(field, {"generate": True}, evidence, note="a secret: the platform makes a random one")]
    if _HOSTS.match(read.name):
        return [Found(field, {"value": "*"}, evidence, guess=True,
                      note="every host, so probes and the platform's address pass; narrow it to your domains")]
    if read.has_default:
        return [Found(f"fact.optional_env.{read.name}", True, evidence)]
    return [Found(field, {"secret": True}, evidence, guess=True, note="read with no default: set it on the platform")]
