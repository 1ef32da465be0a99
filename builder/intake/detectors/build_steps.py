"""Build steps the app needs that no framework variant adds: compiled Babel translations.

Django's collectstatic is not written here: with `app.framework: django` builder adds it itself, with build-time
stand-ins for the settings' secrets and service URLs.
"""

from __future__ import annotations

from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    return _babel(app)


def _babel(app: AppFiles) -> list[Detection]:
    packages = dependency_source(app).packages
    catalogs = sorted({p.rsplit("/", 3)[0] for p in app.matching(r"(.+/)?\w+/[\w-]+/LC_MESSAGES/[\w-]+\.po")})
    babel = packages.get("flask-babel") or packages.get("babel")
    if babel is None or not catalogs:
        return []
    po = next(p for p in app.paths if p.startswith(catalogs[0] + "/") and p.endswith(".po"))
    return [Found("build_steps.babel", f"pybabel compile -d {catalogs[0]}", (babel, Evidence(po)))]
