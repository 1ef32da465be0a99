"""Files at run time: SQLite databases and upload directories on Render's ephemeral filesystem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import DoctorContext
from builder.doctor.sources import small_int
from builder.doctor.urls import UnparsableUrl, parse_url
from builder.findings import Finding
from builder.plan import APP_DIR

SQLITE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # expected to vanish: nothing to warn about
UPLOAD_NAME = re.compile(r"UPLOAD|MEDIA_ROOT|MEDIA_DIR", re.IGNORECASE)
UPLOAD_PATH = re.compile(r"upload|media|attachment|user[-_]?files", re.IGNORECASE)


@dataclass(frozen=True)
class RuntimePath:
    """A path inside the container the app writes to, and what says so."""

    path: str  # absolute, inside the container
    kind: Literal["sqlite", "dir"]
    source: str  # "NOTES_DB", "writable_paths"
    where: Where


def runtime_paths(ctx: DoctorContext) -> list[RuntimePath]:
    """SQLite files named in values the platform sees, then writable and upload directories."""
    base = sqlite_base(ctx)
    found = [RuntimePath(path, "sqlite", value.name, value.where)
             for value in ctx.env if value.committed and (path := sqlite_path(value.value, base=base))]
    found += [RuntimePath(path.rstrip("/"), "dir", "writable_paths", ctx.spec_at("writable_paths", str(index)))
              for index, path in enumerate(ctx.plan.runtime.writable_paths)]
    found += [RuntimePath(_absolute(value.value).rstrip("/"), "dir", value.name, value.where)
              for value in ctx.env if value.committed and UPLOAD_NAME.search(value.name) and value.value.strip()]
    return found


def sqlite_base(ctx: DoctorContext) -> str:
    """Where a relative SQLite URL lands: Flask-SQLAlchemy 3 resolves it in the Flask app's instance folder."""
    if not ctx.requirements.has("flask-sqlalchemy"):
        return APP_DIR
    major = small_int((ctx.requirements.version("flask-sqlalchemy") or "3").split(".")[0])
    return f"{APP_DIR}/instance" if major is None or major >= 3 else APP_DIR


def sqlite_path(value: str, *, base: str = APP_DIR) -> str | None:
    """The database file a SQLite URL or path names, as an absolute path in the container; None for anything else.

    `base` is where a relative URL lands; a plain relative path is relative to the working directory either way."""
    try:
        url = parse_url(value.strip())
    except UnparsableUrl:
        return None
    if url is not None:
        # sqlite:///relative.db is relative to the working directory, sqlite:////abs.db is absolute.
        path = value.strip().split("://", 1)[1].split("?", 1)[0].removeprefix("/")
        return _absolute(path, base) if url.is_sqlite and path not in ("", ":memory:") else None
    text = value.strip()
    if "://" in text or " " in text or not text.lower().endswith(SQLITE_SUFFIXES):
        return None
    return _absolute(text)


def _absolute(path: str, base: str = APP_DIR) -> str:
    return str(PurePosixPath(base) / path.strip())


def check(ctx: DoctorContext) -> list[Finding]:
    """Writes that land on the ephemeral filesystem: under no disk mount and not scratch space."""
    mounts = _disk_mounts(ctx)
    paths = [p for p in runtime_paths(ctx) if not _under(p.path, (*SCRATCH, *mounts))]
    sqlite_dirs = {str(PurePosixPath(p.path).parent) for p in paths if p.kind == "sqlite"}
    found = [_sqlite(ctx, p) for p in paths if p.kind == "sqlite"]
    found += [_directory(ctx, p) for p in paths if p.kind == "dir" and p.path not in sqlite_dirs]
    return found + _app_writes(ctx, mounts)


def _app_writes(ctx: DoctorContext, mounts: tuple[str, ...]) -> list[Finding]:
    """builder's image is read-only for the app's user except writable_paths (and a disk, and scratch space)."""
    writable = (*SCRATCH, *mounts, *(p.rstrip("/") for p in ctx.plan.runtime.writable_paths))
    return [rules.FILES_APP_WRITES.finding(
        f"{where.file}:{where.line} writes to {directory}, which is read-only for the app's user in builder's "
        "image: the app fails there with `Permission denied`",
        f"list {directory} under writable_paths in builder.yaml (on Render it is still lost on every deploy), "
        "or log to stdout", where)
        for directory, where in ctx.app_writes if not _under(directory, writable)]


def _disk_mounts(ctx: DoctorContext) -> tuple[str, ...]:
    disk = ctx.web_field("disk")
    mount = disk.get("mountPath") if isinstance(disk, dict) else None
    return (str(mount).rstrip("/"),) if mount else ()


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def _keep_it(ctx: DoctorContext, directory: str) -> str:
    if ctx.web_field("plan", ctx.plan.render.plan) == "free":
        return "free instances have no disks"
    return f"or add a Render disk mounted at {directory} (a disk pins the service to one instance)"


def _sqlite(ctx: DoctorContext, path: RuntimePath) -> Finding:
    directory = str(PurePosixPath(path.path).parent)
    return rules.FILES_SQLITE.finding(
        f"{path.source} keeps a SQLite database at {path.path}, on "
        "the container's ephemeral filesystem: every deploy and restart starts it empty",
        f"use Postgres (services.postgres in builder.yaml); {_keep_it(ctx, directory)}", path.where)


def _directory(ctx: DoctorContext, path: RuntimePath) -> Finding:
    uploads = UPLOAD_PATH.search(path.path) or path.source != "writable_paths"
    store = "keep uploads in object storage (S3, R2, GCS)" if uploads else "keep what must last outside the container"
    return rules.FILES_EPHEMERAL.finding(
        f"files written to {path.path} ({path.source}) live on the "
        "container's ephemeral filesystem and are lost on every deploy and restart",
        f"{store}; {_keep_it(ctx, path.path)}", path.where)
