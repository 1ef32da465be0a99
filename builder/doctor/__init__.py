"""Deploy doctor: Render and database pitfalls found before a deploy, as Findings.

One module per family of checks, each a `check(ctx) -> list[Finding]` over one DoctorContext (see context.py, the
only place that reads files). The image check is separate because it needs the engine.
"""

from __future__ import annotations

from collections.abc import Callable

from builder.doctor import blueprint, budget, connections, keyvalue, process, python_version, runtime_files
from builder.doctor.context import DoctorContext, gather
from builder.doctor.image import ImageFacts, check_image, probe_image
from builder.doctor.runtime_files import runtime_paths
from builder.findings import Finding, sort_findings

__all__ = ["FAMILIES", "DoctorContext", "ImageFacts", "diagnose", "gather", "probe_image", "runtime_paths"]

# Report order only: every family runs on the same context, none depends on another's result.
FAMILIES: tuple[Callable[[DoctorContext], list[Finding]], ...] = (
    connections.check, budget.check, budget.kubernetes_check, budget.pool_check, process.check, blueprint.check,
    keyvalue.check, runtime_files.check, python_version.check,
)


def diagnose(ctx: DoctorContext, *, image: ImageFacts | None = None) -> list[Finding]:
    """Every finding for one app, worst first, each reported once."""
    found = [f for family in FAMILIES for f in family(ctx)]
    if image is not None:
        found += check_image(ctx, image)
    return sort_findings(dict.fromkeys(found))
