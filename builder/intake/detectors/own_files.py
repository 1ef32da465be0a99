"""Files the app already has under the names builder generates: its own Dockerfile gets builder's a name of its
own; the others generate keeps, and says so."""

from __future__ import annotations

from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake, Unexpressed

GENERATED = ("compose.yaml", "render.yaml", "gunicorn.conf.py", ".dockerignore")
# builder also writes `<name>.render` beside its Dockerfile, so a name is free only when both are.
_DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.builder", *(f"Dockerfile.builder{n}" for n in range(2, 10)))


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    found: list[Detection] = _dockerfile(app)
    # Beside a Dockerfile of another name, builder writes `<name>.dockerignore` and leaves .dockerignore alone.
    renamed = any(isinstance(d, Found) and d.field == "dockerfile" for d in found)
    others = [name for name in GENERATED if app.has(name) and not (renamed and name == ".dockerignore")]
    if others:
        found.append(Unexpressed(f"the app has its own {', '.join(others)}: `builder generate` keeps "
                                 f"{'them' if len(others) > 1 else 'it'} (not written by builder) unless --force",
                                 tuple(Evidence(name) for name in others)))
    return found


def _dockerfile(app: AppFiles) -> list[Detection]:
    taken = [name for name in ("Dockerfile", "Dockerfile.render") if app.has(name)]
    if not taken:
        return []
    name = next((n for n in _DOCKERFILE_NAMES if not app.has(n) and not app.has(f"{n}.render")), None)
    if name is None:
        return [Unexpressed("every Dockerfile name builder would take is the app's own: set `dockerfile:` to a "
                            "free one", tuple(Evidence(t) for t in taken))]
    return [Found("dockerfile", name, tuple(Evidence(t) for t in taken),
                  note=f"the app has its own {' and '.join(taken)}, which builder leaves alone: it writes and builds "
                       f"{name} (Render's: {name}.render)")]
