"""Build steps the app needs: compiled Babel translations; for Django, whether collectstatic has anything to do.

Django's collectstatic is builder's default for `app.framework: django` (with build-time stand-ins for secrets and
service URLs), so it is written only beside another step, which replaces the default. An app whose settings install
no `django.contrib.staticfiles` has no collectstatic command: it gets `build_steps: []`.
"""

from __future__ import annotations

import re

from builder.frameworks import DJANGO_COLLECTSTATIC
from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import Detection, Evidence, Found, Intake, Unexpressed

_STATICFILES = re.compile(r"[\"']django\.contrib\.staticfiles[\"']")
_STATIC_ROOT = re.compile(r"^STATIC_ROOT\s*=")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    babel = _babel(app)
    if so_far.value("app.framework") != "django":
        return babel
    settings = [p for p in app.python() if re.search(r"(^|/)settings(\.py$|/)", p)]
    installed = next((line for line, _ in app.grep(_STATICFILES, settings)), None)
    if installed is None:
        return [Found("build_steps", [s.value for s in babel if isinstance(s, Found)], tuple(Evidence(p) for p in
                      settings[:1]), note="no django.contrib.staticfiles in the settings: nothing to collect")]
    found: list[Detection] = []
    if not any(True for _ in app.grep(_STATIC_ROOT, settings)):
        found.append(Unexpressed("the settings install django.contrib.staticfiles but set no STATIC_ROOT: "
                                 "collectstatic (builder's default build step for Django) needs one",
                                 (Evidence(installed.file, installed.number, installed.text.strip()),)))
    if babel:  # a step of the app's own replaces the default, so collectstatic goes in by name
        found.append(Found("build_steps.collectstatic", DJANGO_COLLECTSTATIC,
                           (Evidence(installed.file, installed.number, installed.text.strip()),)))
    return found + babel


def _babel(app: AppFiles) -> list[Detection]:
    packages = dependency_source(app).packages
    catalogs = sorted({p.rsplit("/", 3)[0] for p in app.matching(r"(.+/)?\w+/[\w-]+/LC_MESSAGES/[\w-]+\.po")})
    babel = packages.get("flask-babel") or packages.get("babel")
    if babel is None or not catalogs:
        return []
    po = next(p for p in app.paths if p.startswith(catalogs[0] + "/") and p.endswith(".po"))
    return [Found("build_steps.babel", f"pybabel compile -d {catalogs[0]}", (babel, Evidence(po)))]
