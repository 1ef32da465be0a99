"""builder lock --verify: the lock installed into the image's Python, and every module that matters imported there.

It builds the builder stage of the plan's own Dockerfile (so BuildKit's layer and download caches serve the real
build after it, and vice versa), then imports, as the app's user and with no network, every top-level module of
every installed distribution, every module the app's code imports, and the modules the image's processes start
from (gunicorn.app.wsgiapp and the worker class's module: gunicorn's top level alone imports none of its own code).
A failed build or import is a finding.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from builder.build import build_image
from builder.errors import BuildFailed, TransientError
from builder.findings import Finding, Severity
from builder.lock import importcheck
from builder.lock.imports import app_imports
from builder.lock.network import is_tls_trouble, network_hint
from builder.lock.server import process_modules
from builder.project import Project
from builder.targets import artifacts_for

STAGE = "builder"
LABEL = "builder.lock.verify"


@dataclass(frozen=True)
class ImportFailure:
    module: str
    distribution: str  # "" when no locked distribution provides the module
    version: str
    error: str
    origin: str  # "locked", where the app imports it (app.py:3), or the process that starts from it
    cause_module: str = ""  # the module the error names (jinja2 in "cannot import name 'Markup' from 'jinja2'")
    cause_distribution: str = ""  # its owner among the locked distributions; "" for the standard library or none
    cause_version: str = ""


@dataclass(frozen=True)
class Verification:
    python: str
    build_seconds: float
    checked: tuple[str, ...]  # modules imported
    failures: tuple[ImportFailure, ...]
    build_error: str = ""  # the end of the build log when the lock did not install

    @property
    def passed(self) -> bool:
        return not self.failures and not self.build_error

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "python": self.python, "build_seconds": self.build_seconds,
                "checked": list(self.checked), "failures": [asdict(f) for f in self.failures],
                "build_error": self.build_error}


def verify_lock(project: Project, client: Any, *, ca_cert: Path | None,
                on_line: Callable[[str], None] | None = None) -> Verification:
    """Build the plan's builder stage from the lock and import everything in it; removes its image afterwards."""
    plan = project.plan
    tag = f"builder-verify/{plan.app_name}:{time.time_ns()}"
    files = {a.name: a.text for a in artifacts_for(plan)}
    with tempfile.TemporaryDirectory(prefix="builder-verify-") as tmp:
        # The builder stage reads only the lock and builder's helper: a context of just those two builds it
        # before the app's files are generated, and never sends the app's files to the engine.
        context = Path(tmp) / "context"
        lock = context / plan.builder.requirements
        lock.parent.mkdir(parents=True)
        shutil.copyfile(project.root / plan.builder.requirements, lock)
        (context / plan.runtime.helper).write_text(files[plan.runtime.helper], encoding="utf-8")
        path = Path(tmp) / "Dockerfile"
        path.write_text(files[plan.images[0].filename])
        try:
            built = build_image(plan, context, client, tag=tag, dockerfile=str(path), ca_cert=ca_cert,
                                on_line=on_line, stage=STAGE)
        except BuildFailed as failed:
            if is_tls_trouble(failed.message):  # the index was not trusted: nothing is known about the lock yet
                raise TransientError("verifying the lock: the build could not reach the package index over TLS:"
                                     + failed.message.split(":", 1)[1], hint=network_hint(failed.message)) from None
            return Verification("", 0.0, (), (), build_error=failed.message)
    try:
        wanted = {**app_imports(project.root), **process_modules(plan)}
        result = _import_all(client, tag, wanted, user=plan.runtime.user, venv=plan.runtime.venv)
    finally:
        client.images.remove(tag, force=True)
    failures = tuple(ImportFailure(**f) for f in result["failures"])
    return Verification(result["python"], built.seconds, tuple(result["checked"]), failures)


def _import_all(client: Any, image: str, app: dict[str, str], *, user: Any, venv: str) -> dict[str, Any]:
    script = Path(importcheck.__file__).read_text(encoding="utf-8")
    output = client.containers.run(image, [f"{venv}/bin/python", "-c", script, json.dumps(app)],
                                   user=f"{user.uid}:{user.gid}", network_disabled=True, remove=True,
                                   labels={LABEL: "1"}, environment={"HOME": "/nonexistent"}, working_dir="/")
    line = next(x for x in reversed(output.decode(errors="replace").splitlines())
                if x.startswith(importcheck.MARKER))
    data: dict[str, Any] = json.loads(line.removeprefix(importcheck.MARKER))
    return data


def verify_findings(verification: Verification, *, lock: str) -> list[Finding]:
    """One finding per failed import (package, module, error), or one for a lock that did not install."""
    if verification.build_error:
        return [Finding("BLD-LOCK-004", Severity.HIGH, "the lock does not install into the image's Python: "
                        + verification.build_error.splitlines()[-1].strip(" |"),
                        "the end of the build log, above, names the package; pin a version with a wheel for the image, "
                        "or add the system packages its build needs", file=lock)]
    return [Finding("BLD-LOCK-003", Severity.HIGH, _failure_words(f), _fix(f), file=lock)
            for f in verification.failures]


def _failure_words(failure: ImportFailure) -> str:
    owner = f"{failure.distribution} {failure.version}: " if failure.distribution else ""
    where = "" if failure.origin == "locked" else f" ({failure.origin} imports it)"
    return f"{owner}import {failure.module} fails{where}: {failure.error}"


def _fix(failure: ImportFailure) -> str:
    """What to change, by what the error blames: a missing package, a too-new dependency, or the Python."""
    owner = f"{failure.distribution} {failure.version}"
    if not failure.distribution:
        return ("no locked distribution provides it: add the package that does to the input (a development tool "
                "the app imports stays), or remove the import")
    if failure.cause_module.split(".", 1)[0] == "pkg_resources":
        return (f"{owner} imports pkg_resources, which setuptools 82.0 removed and the image's virtualenv lacks: "
                f"upgrade {failure.distribution} to a release that does not (dependencies.overrides forces one), "
                "or add setuptools<82 to the input")
    if failure.cause_distribution and failure.cause_distribution != failure.distribution:
        cause = failure.cause_distribution
        return (f"{owner} needs an older {cause} than the locked {failure.cause_version}: pin it lower "
                f"(dependencies.constraints: [\"{canonicalize_name(cause)}<{_below(failure.cause_version)}\"]) and "
                f"run `builder lock --verify` again, or upgrade {failure.distribution} (dependencies.overrides)")
    if failure.cause_module and not failure.cause_distribution and not _stdlib(failure.cause_module):
        return (f"{owner} imports {failure.cause_module}, which no locked distribution provides: add the package "
                "that does to the input")
    return (f"{owner} does not work on this Python: pin a release that supports it (dependencies.overrides forces "
            "one), or choose the Python it supports")


def _below(version: str) -> str:
    """The release series to stay under: 3.1.4 -> 3.1 (3.0.x may still have it), 3.0.2 -> 3."""
    try:
        release = Version(version).release
    except InvalidVersion:
        return version
    return f"{release[0]}.{release[1]}" if len(release) > 1 and release[1] else str(release[0])


def _stdlib(module: str) -> bool:
    return module.split(".", 1)[0] in sys.stdlib_module_names
