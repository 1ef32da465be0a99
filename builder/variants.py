"""Variants: small plugins behind one Protocol each, chosen from ordered registries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from builder.bases import BaseImage
from builder.spec import AppSpec
from builder.uv_image import uv_image

VENV = "/opt/venv"
# Where the install step sees the lock (a bind mount, so the lock is that layer's input and never a layer itself).
LOCK_MOUNT = "/tmp/requirements.lock"


@dataclass(frozen=True)
class ServerChoice:
    """How gunicorn serves the app."""

    worker_class: str  # what gunicorn.conf.py says
    threads: int
    requires: tuple[str, ...]  # distributions the app's requirements must carry


@dataclass(frozen=True)
class InstallChoice:
    """How the builder stage fills the virtualenv from the lock, every file checked against its hash."""

    installer: str
    setup: list[str]  # shell steps that make the tool and the empty virtualenv
    install: list[str]  # shell steps that install the lock into the virtualenv, hashes required
    cache_dir: str  # BuildKit cache mount target; keeps downloads out of the image and across builds
    image: BaseImage | None = None  # the image the tool is copied from (the UV_IMAGE build argument)
    image_files: dict[str, str] = field(default_factory=dict)  # what is copied from it: its path -> builder's


class ServerVariant(Protocol):
    def applies(self, spec: AppSpec) -> bool: ...
    def choose(self, spec: AppSpec) -> ServerChoice: ...


class InstallerVariant(Protocol):
    def applies(self, spec: AppSpec) -> bool: ...
    def choose(self, spec: AppSpec, requirements: str) -> InstallChoice: ...


class AsgiServer:
    """ASGI apps run in gunicorn with uvicorn's worker (the maintained uvicorn-worker package)."""

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.kind == "asgi"

    def choose(self, spec: AppSpec) -> ServerChoice:
        return ServerChoice("uvicorn_worker.UvicornWorker", 1, ("gunicorn", "uvicorn-worker"))


class GeventServer:
    def applies(self, spec: AppSpec) -> bool:
        return spec.server.worker_class == "gevent"

    def choose(self, spec: AppSpec) -> ServerChoice:
        # psycopg2 blocks the gevent loop unless psycogreen patches it (server.psycogreen); the doctor checks for it.
        patch = ("psycogreen",) if spec.server.psycogreen else ()
        return ServerChoice("gevent", 1, ("gunicorn", "gevent", *patch))


class ThreadedServer:
    """gthread is the safe WSGI default: threads share a process, so memory stays flat."""

    def applies(self, spec: AppSpec) -> bool:
        return spec.server.worker_class in (None, "gthread")

    def choose(self, spec: AppSpec) -> ServerChoice:
        threads = spec.server.threads if spec.server.threads > 1 else 4
        return ServerChoice("gthread", threads, ("gunicorn",))


class SyncServer:
    def applies(self, spec: AppSpec) -> bool:
        return spec.server.worker_class == "sync"

    def choose(self, spec: AppSpec) -> ServerChoice:
        return ServerChoice("sync", 1, ("gunicorn",))


# Order matters: the app kind decides before the worker class, since an asgi app with no worker_class must get
# uvicorn, not the wsgi default that ThreadedServer would claim.
SERVERS: tuple[ServerVariant, ...] = (AsgiServer(), GeventServer(), ThreadedServer(), SyncServer())

# uv is pinned so a rebuild months later installs with the same resolver.
UV_VERSION = "0.13.9"
# The extra CA (a BuildKit secret) is read only inside this RUN; SSL_CERT_FILE is uv's, PIP_CERT is pip's.
_CA = "/run/secrets/ca_bundle"
_UV = "/usr/local/bin/uv"
# A private index (BUILDER_INDEX_URL, credentials included) is a secret too: exported for these RUNs, never an ENV.
_INDEX = "/run/secrets/index_url"
_WITH_CA = (f"{{ [ ! -s {_CA} ] || export SSL_CERT_FILE={_CA} PIP_CERT={_CA}; }}"
            f" \\\n && {{ [ ! -s {_INDEX} ] || {{ read -r UV_INDEX_URL < {_INDEX}; "
            f"export UV_INDEX_URL PIP_INDEX_URL=\"$UV_INDEX_URL\"; }}; }}")


class UvInstaller:
    def applies(self, spec: AppSpec) -> bool:
        return spec.dependencies.installer == "uv"

    def choose(self, spec: AppSpec, requirements: str) -> InstallChoice:
        # uv is copied out of its image into the builder stage only (no pip bootstrap per cold build); the app's
        # virtualenv never gets pip.
        setup = [f"{_UV} venv --python python3 {VENV}"]
        install = [_WITH_CA, f"{_UV} pip install --python {VENV}/bin/python --require-hashes "
                   f"--compile-bytecode --link-mode=copy -r {requirements}"]
        return InstallChoice("uv", setup, install, "/root/.cache/uv", uv_image(UV_VERSION), {"/uv": _UV})


class PipInstaller:
    def applies(self, spec: AppSpec) -> bool:
        return spec.dependencies.installer == "pip"

    def choose(self, spec: AppSpec, requirements: str) -> InstallChoice:
        setup = [f"python3 -m venv {VENV}"]
        # pip leaves the virtualenv at the end: the runtime stage copies the virtualenv and must carry no pip.
        install = [_WITH_CA, f"{VENV}/bin/pip install --require-hashes -r {requirements}",
                   f"{VENV}/bin/python -m compileall -q {VENV}/lib", f"{VENV}/bin/pip uninstall -y pip setuptools"]
        return InstallChoice("pip", setup, install, "/root/.cache/pip")


INSTALLERS: tuple[InstallerVariant, ...] = (UvInstaller(), PipInstaller())


def choose_server(spec: AppSpec) -> ServerChoice:
    """The first server variant that applies."""
    return next(v for v in SERVERS if v.applies(spec)).choose(spec)


def choose_installer(spec: AppSpec, requirements: str) -> InstallChoice:
    """The first installer variant that applies."""
    return next(v for v in INSTALLERS if v.applies(spec)).choose(spec, requirements)
