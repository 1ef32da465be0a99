"""Build steps frameworks need: Django's collectstatic, compiled Babel translations."""

from __future__ import annotations

import re

from builder.intake.deps import dependency_source
from builder.intake.envread import env_reads
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    steps: list[Detection] = []
    if so_far.value("app.framework") == "django":
        steps += _collectstatic(app)
    steps += _babel(app)
    return steps


def _collectstatic(app: AppFiles) -> list[Detection]:
    settings = [p for p in app.python() if re.search(r"(^|/)settings(\.py$|/)", p)]
    root = next(((line, rel) for rel in settings for line in app.lines(rel)
                 if re.match(r"^STATIC_ROOT\s*=", line.text)), None)
    if root is None or not app.has("manage.py"):
        return []
    # Settings import at build time with no secrets set: variables they need with no default get a stand-in
    # value for this one command, never in the image's environment.
    needed = sorted({r.name for r in env_reads(app) if r.raises and r.evidence.file in settings})
    step = " ".join([*(f"{name}=collectstatic-only" for name in needed), "python manage.py collectstatic --noinput"])
    line, rel = root
    return [Found("build_steps.collectstatic", step, (Evidence(rel, line.number, line.text.strip()),))]


def _babel(app: AppFiles) -> list[Detection]:
    packages = dependency_source(app).packages
    catalogs = sorted({p.rsplit("/", 3)[0] for p in app.matching(r"(.+/)?\w+/[\w-]+/LC_MESSAGES/[\w-]+\.po")})
    babel = packages.get("flask-babel") or packages.get("babel")
    if babel is None or not catalogs:
        return []
    po = next(p for p in app.paths if p.startswith(catalogs[0] + "/") and p.endswith(".po"))
    return [Found("build_steps.babel", f"pybabel compile -d {catalogs[0]}", (babel, Evidence(po)))]
