"""Python version: builder.yaml, .python-version, runtime.txt, the Dockerfiles' base images and the built image."""

from __future__ import annotations

from builder.doctor import rules
from builder.doctor.base import Where
from builder.doctor.context import DoctorContext, python_minor
from builder.findings import Finding
from builder.spec import SPEC_FILENAME


def declared(ctx: DoctorContext) -> list[tuple[str, str, Where]]:
    """(what, minor version, where) for every place that names the app's Python, builder.yaml excepted."""
    found = [(name, minor, where) for name, text, where in ctx.version_files if (minor := python_minor(text))]
    for facts in ctx.dockerfiles.values():
        found += [(f"the base image {image}", minor, where) for image, where in facts.bases
                  if "python" in image and (minor := python_minor(image))]
    return found


def check(ctx: DoctorContext) -> list[Finding]:
    """Every place that names another Python than builder.yaml's."""
    python = ctx.plan.python_version
    return [mismatch(ctx, what, minor, where) for what, minor, where in declared(ctx) if minor != python]


def mismatch(ctx: DoctorContext, what: str, minor: str, where: Where) -> Finding:
    """One place that disagrees with builder.yaml's `python`."""
    written = isinstance(ctx.spec_doc.data, dict) and "python" in ctx.spec_doc.data
    said = f"{SPEC_FILENAME} says {ctx.plan.python_version}" + ("" if written else " (the default)")
    return rules.PY_MISMATCH.finding(
        f"{what} is Python {minor}, but {said}: the app is tested on one "
        "version and deployed on another", f"make them agree: change {where.file or what} to "
        f"{ctx.plan.python_version}, "
        f"or set python: \"{minor}\" in {SPEC_FILENAME} (then `builder generate`)",
        where)
