"""The server is always in the image: what the spec's worker class needs and the input does not list, lock adds;
what an old gunicorn needs to start, lock adds too; and --verify imports the modules the image's processes run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from builder.lock.model import Pin, Root, Workaround
from builder.spec import AppSpec
from builder.variants import choose_server

if TYPE_CHECKING:
    from builder.plan.model import BuildPlan

ORIGIN = "builder.yaml server"


def server_roots(spec: AppSpec, roots: Iterable[Root]) -> list[Root]:
    """Roots for each distribution the plan's server requires (server.requires) that the input lacks.

    `gunicorn[gevent]` in the input counts as gevent: an extra brings the package as surely as naming it.
    """
    have: set[str] = set()
    for root in roots:
        have.add(root.name)
        have.update(Requirement(root.text).extras)
    return [Root(text=name, name=name, origin=ORIGIN) for name in choose_server(spec).requires if name not in have]


def describe(spec: AppSpec, added: Iterable[Root]) -> list[str]:
    """`gunicorn: ...` for the report and the lock's comments."""
    server = choose_server(spec)
    return [f"{root.name}: the image runs gunicorn with the {server.worker_class} worker, which needs it, and "
            "the input does not list it" for root in added]


# gunicorn's own worker names and the modules they load; any other worker class is a dotted path to a class.
_GUNICORN_WORKERS = {"sync": "gunicorn.workers.sync", "gthread": "gunicorn.workers.gthread",
                     "gevent": "gunicorn.workers.ggevent", "eventlet": "gunicorn.workers.geventlet",
                     "tornado": "gunicorn.workers.gtornado"}
# The module each worker program's command line starts from (its console script's target).
_PROGRAM_MODULES = {"celery": "celery.bin.celery", "rq": "rq.cli", "dramatiq": "dramatiq.cli", "arq": "arq.cli"}


def process_modules(plan: BuildPlan) -> dict[str, str]:
    """{module: which process starts from it} for the image's processes: what `import gunicorn` alone never loads."""
    worker = plan.server.worker_class
    modules = {"gunicorn.app.wsgiapp": "the web process",
               _GUNICORN_WORKERS.get(worker, worker.rpartition(".")[0] or worker): f"worker_class {worker}"}
    for process in plan.processes:
        if process.program in _PROGRAM_MODULES:
            modules.setdefault(_PROGRAM_MODULES[process.program], f"process {process.name}")
    return modules


# gunicorn before 21.0.0 imports pkg_resources as it starts (gunicorn/util.py); setuptools 82.0.0 removed
# pkg_resources, and the image's virtualenv has no setuptools but what the lock brings (gunicorn 20 asks for any
# setuptools, so it gets one without pkg_resources; gunicorn 19 asks for none).
NO_PKG_RESOURCES = Version("21.0.0")
SETUPTOOLS = "setuptools<82"


def pkg_resources_workaround(pins: Iterable[Pin], roots: Iterable[Root], *,
                             controls: Iterable[str]) -> Workaround | None:
    """setuptools<82 for a gunicorn that needs pkg_resources, unless the lock has such a setuptools already or the
    spec's overrides and constraints decide setuptools themselves."""
    locked = {p.name: p for p in pins}
    gunicorn = locked.get("gunicorn")
    if gunicorn is None or Version(gunicorn.version) >= NO_PKG_RESOURCES:
        return None
    setuptools = locked.get("setuptools")
    if setuptools and Version(setuptools.version) < Version("82"):
        return None
    if any(canonicalize_name(Requirement(c).name) == "setuptools" for c in controls):
        return None
    root = next((r for r in roots if r.name == "gunicorn"), None)
    where = f"the pin at {root.origin} ({root.text})" if root and root.origin != ORIGIN else "gunicorn"
    needed_by = f"gunicorn {gunicorn.version}"
    return Workaround(SETUPTOOLS, needed_by,
                      f"{needed_by} imports pkg_resources as it starts, which setuptools 82 removed",
                      f"gunicorn 21.0 and later do not need it: raise {where} to gunicorn>=21, or set "
                      "dependencies.overrides: [\"gunicorn>=21\"]; setuptools then leaves the lock")


def workaround_root(workaround: Workaround) -> Root:
    return Root(text=workaround.added, name="setuptools", origin=f"builder: {workaround.needed_by}")
