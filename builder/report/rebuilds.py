"""Build times a team feels: from no cache, after a one-line code change, and after a dependency change.

The changes are made to a scratch copy of the app, never to the app itself; the images are untagged afterwards.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker.errors import DockerException

from builder.build import BuildResult, build_image
from builder.errors import BuilderError
from builder.plan import BuildPlan
from builder.report.model import RebuildTimes

# Small pure-Python packages with their files' hashes on PyPI (wheel, sdist), for hash-checked locks; the first that
# the requirements do not mention yet is added as the dependency change.
EXTRA_DEPENDENCIES = (
    ("iniconfig==2.1.0", ("9deba5723312380e77435581c6bf4935c94cbfab9b1ed33ef8d238ea168eb760",
                          "3abbd2e30b36733fee78f9c7f7308f2d0050e88f0087fd25c2645f63c773e1c7")),
    ("six==1.17.0", ("4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274",
                     "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81")),
)
TIMING_ARG = "BUILDER_TIMING_RUN"
SCRATCH_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")


@dataclass(frozen=True)
class TimedBuilds:
    """The three builds, with their results so that a caller can measure the images while they exist."""

    cold: BuildResult
    code_change: BuildResult
    dependency_change: BuildResult

    @property
    def times(self) -> RebuildTimes:
        return RebuildTimes(self.cold.seconds, self.code_change.seconds, self.dependency_change.seconds)


@contextmanager
def scratch_copy(root: Path, *, ignore: Callable[[str, list[str]], set[str]] = SCRATCH_IGNORE) -> Iterator[Path]:
    """A temporary copy of the app directory that may be changed freely; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="builder-report-") as tmp:
        target = Path(tmp) / root.resolve().name
        shutil.copytree(root, target, ignore=ignore)
        yield target


@contextmanager
def timed_rebuilds(plan: BuildPlan, root: Path, client: Any, *, tag: str, dockerfile: str | None = None,
                   ca_cert: Path | None = None, marker: str = "builder report",
                   requirements_file: str | None = None) -> Iterator[TimedBuilds]:
    """Build `root` (a scratch copy: it is changed) cold, then after a code change, then after a dependency change.

    The dependency goes into the file the image installs from: the plan's (the lock), or `requirements_file`.
    The images are tagged `tag`-cold, -code and -deps while the block runs, and untagged after it.
    """
    code_file = code_file_of(plan, root)
    requirements = root / (requirements_file or plan.builder.requirements)
    run = secrets.token_hex(6)
    tags: list[str] = []
    with tempfile.TemporaryDirectory(prefix="builder-timing-") as tmp:
        timing = Path(tmp) / "Dockerfile"  # outside the context, so that it changes nothing the build copies
        timing.write_text(timing_dockerfile((root / (dockerfile or plan.images[0].filename)).read_text(), run))

        def build(suffix: str) -> BuildResult:
            tags.append(f"{tag}-{suffix}")
            return build_image(plan, root, client, tag=tags[-1], dockerfile=str(timing), ca_cert=ca_cert)

        try:
            cold = build("cold")
            _append(code_file, f"# {marker} {run}: a one-line code change\n")
            code = build("code")
            change = extra_dependency(requirements.read_text())
            _append(requirements, f"{change}\n# {marker} {run}: a dependency change\n")
            yield TimedBuilds(cold, code, build("deps"))
        finally:
            remove_tags(client, tags)


def timing_dockerfile(text: str, run: str) -> str:
    """The Dockerfile with a build argument unique to this run declared in every stage.

    A declared argument is part of every later RUN's cache key, so the first build finds nothing cached (a cold
    build) and the next two reuse only what it made. `--no-cache` would instead file a second result under the
    keys ordinary builds use, and later builds could then pick either one for a layer.
    """
    lines, in_from = [], False
    for line in text.splitlines():
        lines.append(line)
        in_from = in_from or bool(re.match(r"\s*FROM\s", line, re.IGNORECASE))
        if in_from and not line.rstrip().endswith("\\"):
            lines.append(f"ARG {TIMING_ARG}={run}")
            in_from = False
    return "\n".join(lines) + "\n"


def code_file_of(plan: BuildPlan, root: Path) -> Path:
    """The module the server imports (gradebook.wsgi -> gradebook/wsgi.py): the code change goes there."""
    module = plan.app_module.split(":", 1)[0].replace(".", "/")
    for candidate in (root / f"{module}.py", root / module / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise BuilderError(f"cannot find the app module {plan.app_module} under {root}",
                       hint="app.module in builder.yaml must name a module relative to builder.yaml")


def extra_dependency(requirements: str) -> str:
    """A pinned requirement the file does not mention yet, with its hashes when the file is hash-checked."""
    text = requirements.lower()
    pin, hashes = next((pin, hashes) for pin, hashes in EXTRA_DEPENDENCIES if pin.split("==")[0] not in text)
    return " ".join([pin, *(f"--hash=sha256:{h}" for h in hashes)]) if "--hash=" in text else pin


def _append(path: Path, line: str) -> None:
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + line)


def remove_tags(client: Any, tags: list[str]) -> None:
    """Untag the images; an image no tag holds any more is deleted, its layers stay in the build cache."""
    for name in tags:
        with suppress(DockerException):
            client.images.remove(name)
