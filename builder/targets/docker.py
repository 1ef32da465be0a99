"""The image's files: one Dockerfile per image target (local, Render), and what keeps the build context small."""

from __future__ import annotations

from typing import TYPE_CHECKING

from builder.templates import Artifact, fill

if TYPE_CHECKING:
    from builder.plan import BuildPlan


class DockerfileTarget:
    name = "dockerfile"
    section = "images"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(image.filename, "Dockerfile.j2", plan=plan, image=image) for image in plan.images]


class DockerignoreTarget:
    """`.dockerignore`, or, when builder's Dockerfile has a name of its own (the app has its own Dockerfile, and
    likely its own .dockerignore, which may leave out builder's lock and helper), `<Dockerfile>.dockerignore` beside
    each of builder's Dockerfiles: BuildKit reads that one instead, and the app's file stays the app's."""

    name = "dockerignore"
    section = "images"

    def applies(self, plan: BuildPlan) -> bool:
        return True

    def artifacts(self, plan: BuildPlan) -> list[Artifact]:
        return [fill(name, "dockerignore.j2", plan=plan) for name in ignore_files(plan)]


def ignore_files(plan: BuildPlan) -> list[str]:
    if plan.images[0].filename == "Dockerfile":
        return [".dockerignore"]
    return [f"{image.filename}.dockerignore" for image in plan.images]
