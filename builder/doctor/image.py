"""Files at run time, checked in the built image: can the app's non-root user write where the app writes?

One short-lived container runs a probe as the image's own user (never root), with no network, and is removed after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from docker.errors import APIError, ImageNotFound

from builder.containers import Run, engine_failures, throwaway, wait_for_exit
from builder.doctor import rules
from builder.doctor.context import DoctorContext
from builder.doctor.python_version import mismatch
from builder.doctor.runtime_files import RuntimePath, runtime_paths
from builder.errors import BuilderError, TransientError
from builder.findings import Finding

PROBE_TIMEOUT = 60
# Runs inside the image: for each path, whether it exists and whether this user can create a file where it must.
PROBE = """
import json, os, sys, tempfile
def can_write(d):
    try:
        with tempfile.TemporaryFile(dir=d):
            return True
    except OSError:
        return False
out = {"uid": os.getuid(), "python": "%d.%d" % sys.version_info[:2], "paths": {}}
for kind, path in (a.split(":", 1) for a in sys.argv[1:]):
    d = os.path.dirname(path) if kind == "sqlite" else path
    ok = can_write(d) and (kind != "sqlite" or not os.path.exists(path) or os.access(path, os.W_OK))
    out["paths"][path] = {"exists": os.path.exists(d), "writable": ok}
print(json.dumps(out))
"""


@dataclass(frozen=True)
class ImageFacts:
    """What the probe saw inside the image, or why it did not run."""

    image: str
    user: str
    root: bool
    python: str | None = None
    paths: dict[str, dict[str, bool]] | None = None


def probe_image(client: Any, image: str, paths: list[RuntimePath]) -> ImageFacts:
    """Run the probe in `image` as the user the image runs as; an image that runs as root is not run at all."""
    with engine_failures(f"checking image {image}", retry="builder doctor --image"):
        user = _image_user(client, image)
        if _is_root(user):
            return ImageFacts(image, user or "root", root=True)
        with _container(client, image, user, [f"{p.kind}:{p.path}" for p in paths]) as container:
            output = _run(container, image)
    try:
        data = json.loads(output.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise BuilderError(f"the probe in {image} printed no result: {output[-300:]!r}",
                           hint="the image needs python3 on its PATH") from None
    return ImageFacts(image, user, root=False, python=data["python"], paths=data["paths"])


def _image_user(client: Any, image: str) -> str:
    try:
        config = client.images.get(image).attrs.get("Config") or {}
    except ImageNotFound:
        raise BuilderError(f"image {image} not found", hint="build it first (`builder build`), or pass a tag "
                           "`docker images` lists") from None
    return str(config.get("User") or "")


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0]
    return name in ("", "0", "root")


@contextmanager
def _container(client: Any, image: str, user: str, args: list[str]) -> Iterator[Any]:
    with ExitStack() as stack:
        try:
            container = stack.enter_context(throwaway(
                client, image, run=Run("doctor"), what="probe", entrypoint=["python3", "-c", PROBE], command=args,
                user=user, network_disabled=True))
        except APIError as exc:
            raise BuilderError(f"cannot create a probe container from {image}: {exc.explanation or exc}",
                               hint="the image needs python3 on its PATH") from None
        yield container


def _run(container: Any, image: str) -> str:
    try:
        container.start()
    except APIError as exc:
        raise BuilderError(f"cannot start the probe in {image}: {exc.explanation or exc}",
                           hint="the image needs python3 on its PATH") from None
    code = wait_for_exit(container, timeout=PROBE_TIMEOUT)
    if code is None:
        raise TransientError(f"the probe in {image} did not finish within {PROBE_TIMEOUT} s",
                             hint="check the engine is not overloaded (`docker ps`), then try again")
    output: bytes = container.logs(stdout=True, stderr=True)
    if code != 0:
        tail = output.decode(errors="replace")[-500:]
        raise BuilderError(f"the probe in {image} failed (exit {code}):\n{tail}",
                           hint="the image needs python3 on its PATH")
    return output.decode(errors="replace")


def check_image(ctx: DoctorContext, facts: ImageFacts) -> list[Finding]:
    """Findings from what the probe saw: unwritable paths, a Python other than the spec's; or root."""
    if facts.root:
        return [rules.FILES_ROOT_IMAGE.finding(
            f"{facts.image} runs as {facts.user}, so doctor did not "
            "run it: it checks writable paths only as the non-root user the app runs as")]
    found = [_not_writable(ctx, facts, path) for path in runtime_paths(ctx)
             if not (facts.paths or {}).get(path.path, {}).get("writable", False)]
    if facts.python and facts.python != ctx.plan.python_version:
        found.append(mismatch(ctx, f"the image {facts.image}", facts.python, ctx.spec_at("python")))
    return found


def _not_writable(ctx: DoctorContext, facts: ImageFacts, path: RuntimePath) -> Finding:
    state = (facts.paths or {}).get(path.path, {})
    target = str(PurePosixPath(path.path).parent) if path.kind == "sqlite" else path.path
    missing = "does not exist" if not state.get("exists", False) else "is not writable"
    return rules.FILES_NOT_WRITABLE.finding(
        f"in {facts.image}, {target} ({path.source}) {missing} for "
        f"the app's user {facts.user}: the app fails on its first write", _writable_fix(ctx, target), path.where)


def _writable_fix(ctx: DoctorContext, target: str) -> str:
    listed = {p.rstrip("/") for p in ctx.plan.runtime.writable_paths}
    if target in listed:
        # builder's Dockerfile creates every listed path owned by the app's user: this image predates the entry,
        # or another Dockerfile built it.
        return (f"{target} is already under writable_paths in builder.yaml: rebuild the image from builder's "
                "Dockerfile (`builder generate`, then `builder build`), or chown it in your own Dockerfile")
    return (f"list {target} under writable_paths in builder.yaml (the Dockerfile then creates it owned by "
            "the app's user), or chown it in the Dockerfile")
