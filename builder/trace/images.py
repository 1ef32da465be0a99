"""The two images builder trace compares: the app's slim image, and the traced one assembled from the trace file.

Each is the plan with its runtime profile set, its Dockerfile filled from the same template `builder generate`
uses and written to a temp folder outside the app (the app root stays the build context and is never written).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builder.build import BuildResult, build_image
from builder.errors import BuilderError
from builder.plan import BuildPlan
from builder.targets.docker import DockerfileTarget

PROFILES = ("slim", "distroless", "traced")


def profile_of(plan: BuildPlan) -> str:
    return str(getattr(plan.runtime, "profile", "slim"))


def with_profile(plan: BuildPlan, profile: str) -> BuildPlan:
    """The same plan with another runtime profile; the plan before profiles existed is slim and nothing else."""
    if profile_of(plan) == profile:
        return plan
    if not hasattr(plan.runtime, "profile"):
        raise BuilderError(f"this builder cannot build the {profile} profile yet",
                           hint="update builder: runtime.profile is part of issue 18")
    runtime = dataclasses.replace(plan.runtime, profile=profile)  # type: ignore[call-arg,unused-ignore]
    return dataclasses.replace(plan, runtime=runtime)


def dockerfile_for(plan: BuildPlan, folder: Path) -> Path:
    """The plan's local Dockerfile (its first image target), written into `folder`."""
    artifact = DockerfileTarget().artifacts(plan)[0]
    path = folder / f"Dockerfile.{profile_of(plan)}"
    path.write_text(artifact.text, encoding="utf-8")
    return path


def build_profile(plan: BuildPlan, root: Path, client: Any, *, profile: str, folder: Path,
                  ca_cert: Path | None, on_line: Callable[[str], None] | None) -> BuildResult:
    """Build the plan's image with `profile`, tagged `<app>:trace-<profile>` so it never replaces `<app>:latest`."""
    profiled = with_profile(plan, profile)
    dockerfile = dockerfile_for(profiled, folder)
    return build_image(profiled, root, client, tag=f"{plan.app_name}:trace-{profile}", dockerfile=str(dockerfile),
                       ca_cert=ca_cert, on_line=on_line)
