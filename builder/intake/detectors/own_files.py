"""Files the app already has under the names builder generates: generate keeps them, and build uses them."""

from __future__ import annotations

from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Intake, Unexpressed

GENERATED = ("Dockerfile", "Dockerfile.render", "compose.yaml", "render.yaml", "gunicorn.conf.py", ".dockerignore")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    found: list[Detection] = []
    if app.has("Dockerfile"):
        found.append(Unexpressed("the app has its own Dockerfile: `builder generate` keeps it (not written by "
                                 "builder) and `builder build` builds it, not builder's image; rename it (e.g. "
                                 "Dockerfile.app) to build builder's", (Evidence("Dockerfile"),)))
    others = [name for name in GENERATED if name != "Dockerfile" and app.has(name)]
    if others:
        found.append(Unexpressed(f"the app has its own {', '.join(others)}: `builder generate` keeps "
                                 f"{'them' if len(others) > 1 else 'it'} (not written by builder) unless --force",
                                 tuple(Evidence(name) for name in others)))
    return found
