"""Blueprint: render.yaml's field names, references, regions, plans and disks, and secrets written into it."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import BLUEPRINT, DoctorContext
from builder.doctor.sources import EnvValue
from builder.findings import Finding

DEFAULT_REGION = "oregon"
SOURCES = ("value", "generateValue", "sync", "fromDatabase", "fromService", "fromGroup")
DATABASE_PROPERTIES = ("connectionString", "host", "port", "user", "password", "database")
SERVICE_PROPERTIES = ("host", "port", "hostport", "connectionString")
KEYVALUE_TYPES = ("keyvalue", "redis")
SECRET_NAME = re.compile(r"(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)(_|$)")
NOT_SECRET_NAME = re.compile(r"_(FILE|PATH|NAME|USER|TTL|SECONDS|MINUTES|HOURS|DAYS|LENGTH|EXPIRY|HEADER|TYPE)$")
SECRET_SHAPES = (
    # The user may be empty: redis://:password@host is how Redis URLs carry a password.
    (re.compile(r"^[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@"), "a URL with a password in it"),
    (re.compile(r"^[a-z][a-z0-9+.-]*://\S*[?&]password=[^&\s]+", re.IGNORECASE), "a URL with a password in it"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\b[sr]k_(live|test)_[0-9A-Za-z]{10,}"), "a Stripe key"),
    (re.compile(r"\b(gh[pousr]_[0-9A-Za-z]{30,}|github_pat_\w{20,})"), "a GitHub token"),
    (re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"), "a Slack token"),
    (re.compile(r"\beyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}"), "a JSON Web Token"),
)


def check(ctx: DoctorContext) -> list[Finding]:
    """Blueprint findings; an unreadable render.yaml gets one finding, and the secret check still runs."""
    if ctx.blueprint.problem is not None or not isinstance(ctx.blueprint.data, dict):
        reason = ctx.blueprint.problem or "it is not a mapping with `services:` and `databases:`"
        return [_unreadable(reason, Where(BLUEPRINT, ctx.blueprint.problem_line)), *_secrets(ctx)]
    return [f for blueprint_check in BLUEPRINT_CHECKS for f in blueprint_check(ctx)]


def _unreadable(reason: str, where: Where) -> Finding:
    return rules.BP_INVALID.finding(f"{BLUEPRINT} is not a valid Blueprint: {reason}", where=where)


def _structure(ctx: DoctorContext) -> list[Finding]:
    """Lists where Render wants lists, mappings in them, and a name and type on every service."""
    found = []
    for key in ("services", "databases", "envVarGroups"):
        items = ctx.blueprint.data.get(key, [])
        if not isinstance(items, list):
            found.append(_unreadable(f"`{key}` must be a list", ctx.blueprint.at(key)))
            continue
        for index, item in enumerate(items):
            needed = ("type", "name") if key == "services" else ("name",)
            missing = [field for field in needed if not isinstance(item, dict) or not item.get(field)]
            if missing:
                found.append(_unreadable(f"entry {index + 1} of `{key}` has no {' or '.join(missing)}",
                                         ctx.blueprint.at(key, index)))
    return found


def _services(ctx: DoctorContext) -> Iterator[tuple[int, dict[str, Any], Callable[..., Where]]]:
    for index, service in enumerate(ctx.services):
        yield index, service, lambda *path, i=index: ctx.blueprint.at("services", i, *path)


def _env_entries(ctx: DoctorContext) -> Iterator[tuple[dict[str, Any], Callable[..., Where]]]:
    """Every envVars entry of every service and env var group, with a way to point at its fields."""
    for group in ("services", "envVarGroups"):
        for index, owner in enumerate(_list(ctx.blueprint.data.get(group))):
            entries = owner.get("envVars") if isinstance(owner, dict) else None
            for number, entry in enumerate(_list(entries)):
                if isinstance(entry, dict):
                    yield entry, lambda *path, g=group, i=index, n=number: ctx.blueprint.at(g, i, "envVars", n, *path)


def _deprecated_names(ctx: DoctorContext) -> list[Finding]:
    found = []
    for _, service, at in _services(ctx):
        if "env" in service and "runtime" not in service:
            found.append(_renamed(ctx, "`env:` on a service is the old name for `runtime:`", "runtime", at("env")))
        if service.get("type") == "redis":
            found.append(_renamed(ctx, "`type: redis` is the old name for `type: keyvalue`", "keyvalue", at("type")))
    for entry, at in _env_entries(ctx):
        ref = entry.get("fromService")
        if isinstance(ref, dict) and ref.get("type") == "redis":
            found.append(_renamed(ctx, "`fromService.type: redis` is the old name for `keyvalue`", "keyvalue",
                                  at("fromService", "type")))
    return found


def _renamed(ctx: DoctorContext, message: str, new: str, where: Where) -> Finding:
    fix = ctx.in_blueprint(f"write `{new}` instead")
    return rules.BP_DEPRECATED.finding(f"{message}, which Render may stop accepting", fix, where)


def _references(ctx: DoctorContext) -> list[Finding]:
    databases = [str(d["name"]) for d in ctx.databases if d.get("name")]
    services = {(str(s["name"]), _kind(s.get("type"))) for s in ctx.services if s.get("name")}
    groups = [str(g.get("name")) for g in _list(ctx.blueprint.data.get("envVarGroups")) if isinstance(g, dict)]
    found = []
    for entry, at in _env_entries(ctx):
        for source in ("fromDatabase", "fromService"):
            if source in entry and not (isinstance(entry[source], dict) and entry[source].get("name")):
                fields = "`type`, `name` and `property`" if source == "fromService" else "`name` and `property`"
                found.append(rules.BP_REFERENCE.finding(
                    f"`{source}` needs a mapping with {fields}", where=at(source)))
        if isinstance(ref := entry.get("fromDatabase"), dict) and ref.get("name"):
            found += _reference(ctx, "database", ref.get("name"), databases, at("fromDatabase", "name"))
            found += _property(ref.get("property"), DATABASE_PROPERTIES, at("fromDatabase", "property"))
        if isinstance(ref := entry.get("fromService"), dict) and ref.get("name"):
            wanted = (str(ref.get("name")), _kind(ref.get("type")))
            names = [f"{name} ({kind})" for name, kind in sorted(services)]
            if wanted not in services:
                found += _reference(ctx, f"{wanted[1]} service", ref.get("name"), names, at("fromService", "name"))
            if "envVarKey" not in ref:
                found += _property(ref.get("property"), SERVICE_PROPERTIES, at("fromService", "property"))
        if "fromGroup" in entry:
            found += _reference(ctx, "env var group", entry.get("fromGroup"), groups, at("fromGroup"))
    return found


def _name(item: dict[str, Any]) -> str:
    return str(item.get("name") or "(unnamed)")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _kind(service_type: Any) -> str:
    return "keyvalue" if service_type in KEYVALUE_TYPES else str(service_type)


def _reference(ctx: DoctorContext, what: str, name: Any, known: list[str], where: Where) -> list[Finding]:
    if name in known:
        return []
    close = difflib.get_close_matches(str(name), known, n=1)
    hint = f"did you mean `{close[0]}`?" if close else f"declared: {', '.join(known) or 'none'}"
    return [rules.BP_REFERENCE.finding(
        f"`{name}` names no {what} in {BLUEPRINT}, so the variable "
        "gets no value", ctx.in_blueprint(hint), where)]


def _property(value: Any, allowed: tuple[str, ...], where: Where) -> list[Finding]:
    if value in allowed:
        return []
    return [rules.BP_REFERENCE.finding(
        f"property `{value}` is not one Render provides",
        f"use one of: {', '.join(allowed)}", where)]


def _regions(ctx: DoctorContext) -> list[Finding]:
    places = [(str(s.get("region", DEFAULT_REGION)), _name(s), at(*(("region",) if "region" in s else ())))
              for _, s, at in _services(ctx) if s.get("runtime", s.get("env")) != "static"]
    places += [(str(d.get("region", DEFAULT_REGION)), _name(d),
                ctx.blueprint.at("databases", i, *(("region",) if "region" in d else ())))
               for i, d in enumerate(ctx.databases)]
    if not places:
        return []
    common = Counter(region for region, _, _ in places).most_common(1)[0][0]
    home = str(ctx.web_field("region", DEFAULT_REGION)) if ctx.web else common
    return [rules.BP_REGIONS.finding(
        f"`{name}` runs in {region}, the web service in {home}: "
        "internal URLs work only within one region, and every query crosses the country",
        ctx.in_blueprint(f"set `region: {home}` on every service and database", "set render.region"), where)
        for region, name, where in places if region != home]


def _keyvalue_allow_list(ctx: DoctorContext) -> list[Finding]:
    return [rules.BP_KEYVALUE_ALLOW_LIST.finding(
        f"Key Value `{_name(s)}` has no ipAllowList, which Render "
        "requires", where=at("type"))
        for _, s, at in _services(ctx) if s.get("type") in KEYVALUE_TYPES and "ipAllowList" not in s]


def _free_plans(ctx: DoctorContext) -> list[Finding]:
    found = []
    for _, service, at in _services(ctx):
        if service.get("plan") != "free" or service.get("type") in KEYVALUE_TYPES:
            continue
        instances = service.get("numInstances", 1)
        features: list[str] = [key for key in ("preDeployCommand", "disk", "scaling") if key in service]
        features += ["numInstances"] if isinstance(instances, int) and instances > 1 else []
        found += [rules.BP_FREE_PLAN.finding(
            f"`{_name(service)}` is on the free plan, which has no "
            f"`{key}`", ctx.in_blueprint(f"remove `{key}`, or choose a paid plan (starter and up)",
                                         "set render.plan: starter (or remove the setting)"), at(key))
            for key in features]
    return found


def _free_databases(ctx: DoctorContext) -> list[Finding]:
    """Render's free Postgres expires 30 days after creation and has no backups: fine for a trial, not for data."""
    return [rules.BP_FREE_DATABASE.finding(
        f"database `{_name(database)}` is on Render's free plan: it expires 30 days after it is created (deleted "
        "after a grace period) and has no backups or point-in-time recovery",
        ctx.in_blueprint("choose a paid plan (basic-256mb and up) in render.yaml",
                         "set render.database_plan: basic-256mb (or larger)"), _database_plan_at(ctx, index))
        for index, database in enumerate(ctx.databases) if database.get("plan") == "free"]


def _database_plan_at(ctx: DoctorContext, index: int) -> Where:
    """builder.yaml's render.database_plan when render.yaml comes from it, else the database's plan in render.yaml."""
    return ctx.spec_at("render", "database_plan") if ctx.blueprint_from_spec else \
        ctx.blueprint.at("databases", index, "plan")


def _disks(ctx: DoctorContext) -> list[Finding]:
    found = []
    for _, service, at in _services(ctx):
        instances = service.get("numInstances", 1)
        several = "scaling" in service or (isinstance(instances, int) and instances > 1)
        if "disk" in service and several:
            found.append(rules.BP_DISK_INSTANCES.finding(
                f"`{_name(service)}` has a disk and several "
                "instances: a disk attaches to one instance only, so Render refuses to scale it", where=at("disk")))
    return found


def _sources(ctx: DoctorContext) -> list[Finding]:
    found = []
    for entry, at in _env_entries(ctx):
        given = [key for key in SOURCES if key in entry]
        if len(given) != 1:
            what = " and ".join(f"`{key}`" for key in given) if given else "no source"
            found.append(rules.BP_ENV_SOURCES.finding(
                f"env var `{entry.get('key')}` has {what}; Render "
                "takes exactly one of value, generateValue, sync: false, fromDatabase, "
                "fromService or fromGroup", where=at()))
    return found


def _secrets(ctx: DoctorContext) -> list[Finding]:
    return [_secret(ctx, value, reason) for value in ctx.env if value.committed
            if (reason := looks_secret(value.name, value.value))]


def _secret(ctx: DoctorContext, value: EnvValue, reason: str) -> Finding:
    if value.origin == "spec":
        fix = f"write `{value.name}: {{secret: true}}` (set it in the Render dashboard) or `{{generate: true}}`"
    else:
        fix = "replace `value:` with `sync: false` (set it in the Render dashboard) or `generateValue: true`"
    return rules.BP_COMMITTED_SECRET.finding(
        f"{value.name} has a literal value that looks like a secret "
        f"({reason}), committed in {value.where.file}", f"{fix}; then rotate the secret, it is in git "
        "history", value.where)


def looks_secret(name: str, value: str) -> str | None:
    """Why `value` looks like a secret, or None. Never returns the value."""
    for pattern, reason in SECRET_SHAPES:
        if pattern.search(value):
            return reason
    trivial = value.lower() in ("", "true", "false", "none", "null") or value.isdigit() or len(value) < 8
    named = SECRET_NAME.search(name)
    if named and not NOT_SECRET_NAME.search(name) and not trivial:
        return f"the name says {named.group(2).lower()}"
    if len(value) >= 32 and re.fullmatch(r"[A-Za-z0-9+/=_-]+", value) and _entropy(value) >= 4.0 \
            and re.search(r"\d", value) and re.search(r"[A-Za-z]", value):
        return "a long random-looking string"
    return None


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


BLUEPRINT_CHECKS: tuple[Callable[[DoctorContext], list[Finding]], ...] = (
    _structure, _deprecated_names, _references, _regions, _keyvalue_allow_list, _free_plans, _free_databases,
    _disks, _sources, _secrets,
)
