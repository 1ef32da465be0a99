"""Connection values: database and cache URLs in builder.yaml, render.yaml, .env files and the environment."""

from __future__ import annotations

import re
from collections.abc import Callable

from builder.doctor import rules
from builder.doctor.context import DoctorContext
from builder.doctor.sources import EnvValue
from builder.doctor.urls import (
    SUPABASE_POOLER_SUFFIX,
    ConnectionUrl,
    UnparsableUrl,
    is_supabase_direct,
    is_transaction_pooler,
    parse_url,
)
from builder.findings import Finding, Severity

# SQLAlchemy dialect+driver -> the distributions that provide the driver (empty: the standard library does).
DRIVERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("postgresql", "psycopg"): ("psycopg", "psycopg-binary", "psycopg-c"),
    ("postgresql", "psycopg_async"): ("psycopg", "psycopg-binary", "psycopg-c"),
    ("postgresql", "psycopg2"): ("psycopg2", "psycopg2-binary"),
    ("postgresql", "psycopg2cffi"): ("psycopg2cffi",),
    ("postgresql", "asyncpg"): ("asyncpg",),
    ("postgresql", "pg8000"): ("pg8000",),
    ("mysql", "pymysql"): ("pymysql",),
    ("mysql", "mysqldb"): ("mysqlclient",),
    ("mysql", "mysqlconnector"): ("mysql-connector-python",),
    ("mysql", "asyncmy"): ("asyncmy",),
    ("mysql", "aiomysql"): ("aiomysql",),
    ("sqlite", "pysqlite"): (),
    ("sqlite", "aiosqlite"): ("aiosqlite",),
}
# Distributions that bring SQLAlchemy, which reads a bare postgresql:// as psycopg2.
SQLALCHEMY = ("sqlalchemy", "flask-sqlalchemy", "sqlmodel")
SECURE_SSLMODES = ("require", "verify-ca", "verify-full")
# A separate URL for migrations goes by one of these names (Prisma's DIRECT_URL, Neon's DATABASE_URL_UNPOOLED, ...).
MIGRATION_NAME = re.compile(r"MIGRAT|DIRECT|UNPOOLED|ADMIN")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", re.DOTALL)
_UPPER_SNAKE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_URL_START = re.compile(r"^[a-z][a-z0-9+.-]*://")


def check(ctx: DoctorContext) -> list[Finding]:
    """Every literal value the app sees, wherever it was written."""
    return [f for value in ctx.env for f in _check_value(ctx, value)] + wired_postgres(ctx)


def _check_value(ctx: DoctorContext, value: EnvValue) -> list[Finding]:
    found, text = _repeated_key(value)
    try:
        url = parse_url(text.strip())
    except UnparsableUrl as exc:
        return [*found, rules.CONN_NOT_A_URL.finding(
            f"{value.label} is not a well-formed connection URL: {exc}", where=value.where)]
    if url is None:
        return found
    return found + [f for url_check in URL_CHECKS for f in url_check(ctx, value, url)]


def _repeated_key(value: EnvValue) -> tuple[list[Finding], str]:
    """`DATABASE_URL=postgres://...` pasted as the value of DATABASE_URL: the key is now part of the URL."""
    match = _ASSIGNMENT.match(value.value)
    other_key = match and _UPPER_SNAKE.match(match.group(1)) and _URL_START.match(match.group(2))
    if not match or (match.group(1) != value.name and not other_key):
        return [], value.value
    pasted = match.group(1)
    what = "its own key" if pasted == value.name else f"another key, `{pasted}=`"
    return [rules.CONN_PASTED_NAME.finding(
        f"{value.label}'s value starts with {what}, so the app reads "
        f"`{pasted}=` as part of the value", f"set {value.name} to only what follows `{pasted}=`",
        value.where)], match.group(2)


def _postgres_scheme(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if url.base != "postgres":
        return []
    scheme = f"postgresql+{url.driver}" if url.driver else _preferred_scheme(ctx)
    return [rules.CONN_POSTGRES_SCHEME.finding(
        f"{value.label} uses the `{url.scheme}://` scheme, which SQLAlchemy 1.4 and "
        "later reject (Can't load plugin: sqlalchemy.dialects:postgres)", f"write it as {url.redacted(scheme=scheme)} "
        "(the password stays as it is), or rewrite the scheme in the app before create_engine", value.where)]


def _preferred_scheme(ctx: DoctorContext) -> str:
    """The scheme that picks an installed driver: bare postgresql:// means psycopg2 to SQLAlchemy."""
    if ctx.requirements.has("psycopg2", "psycopg2-binary"):
        return "postgresql"
    for driver in ("psycopg", "asyncpg", "pg8000"):
        if ctx.requirements.has(*DRIVERS[("postgresql", driver)]):
            return f"postgresql+{driver}"
    return "postgresql"


def _driver_installed(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if not ctx.requirements.found or url.base == "postgres" or url.is_redis:
        return []
    base = "mysql" if url.base == "mariadb" else url.base
    if url.driver is None:
        return _bare_postgres(ctx, value, url) if url.is_postgres else []
    wanted = DRIVERS.get((base, url.driver))
    if wanted is None:
        known = sorted(driver for (b, driver) in DRIVERS if b == base)
        return [rules.CONN_DRIVER.finding(
            f"{value.label} names the driver `{url.driver}`, which "
            f"SQLAlchemy does not have for {base}", f"use one of: {', '.join(known)}", value.where)]
    if not wanted or ctx.requirements.has(*wanted):
        return []
    return [rules.CONN_DRIVER.finding(
        f"{value.label} names the driver `{url.driver}`, but "
        f"{ctx.requirements.file} installs none of {', '.join(wanted)}",
        f"add {wanted[0]} to {ctx.requirements.file}, or name the driver it has", value.where)]


def _bare_postgres(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    preferred = _preferred_scheme(ctx)
    if preferred == "postgresql" and ctx.requirements.has("psycopg2", "psycopg2-binary"):
        return []
    if preferred == "postgresql":
        return [rules.CONN_DRIVER.finding(
            f"{value.label} names no driver, which SQLAlchemy reads as psycopg2, and "
            f"{ctx.requirements.file} installs no Postgres driver at all",
            f"add psycopg[binary] to {ctx.requirements.file} and write "
            f"{url.redacted(scheme='postgresql+psycopg')}", value.where)]
    # Where the app rewrites some URL's scheme itself, this one may be rewritten too.
    rewrites = f"{preferred}://" in ctx.source_markers
    return [rules.CONN_DRIVER.finding(
        f"{value.label} names no driver, which SQLAlchemy reads as "
        f"psycopg2, and {ctx.requirements.file} does not install psycopg2",
        f"write {url.redacted(scheme=preferred)}, unless the app rewrites the scheme itself", value.where,
        severity=Severity.LOW if rewrites else None)]


def wired_postgres(ctx: DoctorContext) -> list[Finding]:
    """A URL wired from Postgres is `postgresql://` (Render's connectionString): psycopg2 to SQLAlchemy."""
    preferred = _preferred_scheme(ctx)
    if not ctx.requirements.has(*SQLALCHEMY) or ctx.requirements.has("psycopg2", "psycopg2-binary") \
            or f"{preferred}://" in ctx.source_markers:
        return []
    installed = f"it installs {preferred.partition('+')[2]}" if preferred != "postgresql" else "no Postgres driver"
    fix = ("rewrite the scheme to postgresql+psycopg:// in the app before create_engine"
           if preferred == "postgresql" else f"rewrite the scheme to {preferred}:// in the app before create_engine")
    if preferred == "postgresql":
        fix = f"add psycopg[binary] to {ctx.requirements.file}, and {fix}"
    return [rules.CONN_DRIVER.finding(
        f"{binding.name} comes from Postgres as a postgresql:// URL, which SQLAlchemy opens with psycopg2, and "
        f"{ctx.requirements.file} does not install psycopg2 ({installed}): the app fails with "
        "`No module named 'psycopg2'`", fix, ctx.spec_at("env", binding.name))
        for binding in ctx.plan.env if binding.source == "postgres" and binding.part == "url"]


def _sslmode(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    mode = url.query.get("sslmode", url.query.get("ssl", ""))
    if not url.is_postgres or not url.external or mode in SECURE_SSLMODES or mode == "true":
        return []
    return [rules.CONN_NO_SSL.finding(
        f"{value.label} reaches {url.host}, outside the private "
        "network, without sslmode=require: the password and data may cross the internet in plain text",
        where=value.where)]


def _supabase_direct(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if not url.is_postgres or not is_supabase_direct(url.host):
        return []
    ref = (url.host or "").split(".")[1]
    # Keep the driver the URL names (or the installed one): a switched driver would trip DOC-CONN-003.
    scheme = f"postgresql+{url.driver}" if url.driver else _preferred_scheme(ctx)
    pooler = f"{scheme}://postgres.{ref}:***@aws-0-<region>{SUPABASE_POOLER_SUFFIX}:5432/postgres"
    return [rules.CONN_SUPABASE_DIRECT.finding(
        f"{value.label} points at Supabase's direct host {url.host}, "
        "which resolves to IPv6 only; Render connects over IPv4, so the connection fails",
        f"use the session pooler (Connect > Session pooler in Supabase): {pooler}?sslmode=require",
        value.where)]


def _pooler_migrations(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if not is_transaction_pooler(url) or not _used_by_migrations(ctx, value.name):
        return []
    release = " ".join(ctx.plan.release_command or [])
    via = f"the release command `{release}` runs with" if value.name == "DATABASE_URL" else "migrations use"
    return [rules.CONN_MIGRATIONS_POOLER.finding(
        f"{via} {value.label}, which goes through the transaction "
        "pooler (port 6543): migrations need one session (DDL, locks, SET), which transaction mode "
        "does not keep", where=value.where)]


def _used_by_migrations(ctx: DoctorContext, name: str) -> bool:
    if MIGRATION_NAME.search(name):
        return True
    names = {e.name for e in ctx.plan.env} | {e.name for e in ctx.env}
    release = bool(ctx.plan.release_command)
    return name == "DATABASE_URL" and release and not any(MIGRATION_NAME.search(n) for n in names)


def _prepared_statements(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if not is_transaction_pooler(url) or _used_by_migrations(ctx, value.name):
        return []
    driver = url.driver or _preferred_scheme(ctx).partition("+")[2] or "psycopg2"
    settings = {"psycopg": "prepare_threshold", "psycopg_async": "prepare_threshold", "asyncpg": "statement_cache_size"}
    setting = settings.get(driver)
    if setting is None or setting in ctx.source_markers or any(setting in k or "cache_size" in k for k in url.query):
        return []
    fix = ("pass connect_args={'prepare_threshold': None} to create_engine (and poolclass=NullPool)"
           if setting == "prepare_threshold" else "pass connect_args={'statement_cache_size': 0} to create_engine")
    return [rules.CONN_PREPARED_STATEMENTS.finding(
        f"{value.label} uses the transaction pooler (port 6543) with "
        f"{driver}, which prepares statements the pooler cannot keep: expect `prepared statement "
        "does not exist` errors under load", fix, value.where)]


def _redis_plain_text(ctx: DoctorContext, value: EnvValue, url: ConnectionUrl) -> list[Finding]:
    if url.base != "redis" or not url.external:
        return []
    return [rules.CONN_REDIS_PLAIN_TEXT.finding(
        f"{value.label} sends Redis traffic, password included, in "
        f"plain text to {url.host}, outside the private network",
        f"use TLS: {url.redacted(scheme='rediss')}", value.where)]


URL_CHECKS: tuple[Callable[[DoctorContext, EnvValue, ConnectionUrl], list[Finding]], ...] = (
    _postgres_scheme, _driver_installed, _sslmode, _supabase_direct, _pooler_migrations, _prepared_statements,
    _redis_plain_text,
)
