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
from builder.plan import BuildPlan
from builder.plan.profiles import check_profile, profile_env
from builder.targets.docker import DockerfileTarget


def with_profile(plan: BuildPlan, profile: str) -> BuildPlan:
    """The same plan with another runtime profile, and what the profile decides with it (PATH, LANG; a shell-free
    profile refuses a process that needs a shell, as at plan time)."""
    if plan.runtime.profile == profile:
        return plan
    check_profile(profile, plan.processes, plan.render)
    env = profile_env(plan.runtime.env, profile, plan.runtime.venv)
    return dataclasses.replace(plan, runtime=dataclasses.replace(plan.runtime, profile=profile, env=env))


def dockerfile_for(plan: BuildPlan, folder: Path) -> Path:
    """The plan's local Dockerfile (its first image target), written into `folder`."""
    artifact = DockerfileTarget().artifacts(plan)[0]
    path = folder / f"Dockerfile.{plan.runtime.profile}"
    path.write_text(artifact.text, encoding="utf-8")
    return path


def build_profile(plan: BuildPlan, root: Path, client: Any, *, profile: str, folder: Path,
                  ca_cert: Path | None, on_line: Callable[[str], None] | None) -> BuildResult:
    """Build the plan's image with `profile`, tagged `<app>:trace-<profile>` so it never replaces `<app>:latest`."""
    profiled = with_profile(plan, profile)
    dockerfile = dockerfile_for(profiled, folder)
    return build_image(profiled, root, client, tag=f"{plan.app_name}:trace-{profile}", dockerfile=str(dockerfile),
                       ca_cert=ca_cert, on_line=on_line)
