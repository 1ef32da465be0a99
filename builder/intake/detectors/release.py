"""The release command (migrations): what the app's Procfile or render.yaml runs, else its migration tool's.

Django's `manage.py migrate` is left to the framework variant, which makes it the release of every Django app.
"""

from __future__ import annotations

import re
import shlex

from builder.frameworks import DJANGO_MIGRATE
from builder.intake.commands import Command, commands
from builder.intake.deps import dependency_source
from builder.intake.files import AppFiles
from builder.intake.model import FACT, Detection, Evidence, Found, Intake

_SHELL = re.compile(r"&&|\|\||[;|<>`$]")


def detect(app: AppFiles, so_far: Intake) -> list[Detection]:
    django = so_far.value("app.framework") == "django"
    given = next((c for c in commands(app) if c.process == "release"), None)
    if given and given.argv:
        if django and _plain_migrate(given):
            return [_django_default(given.evidence)]
        return [Found("release", as_exec(given), (given.evidence,))]
    if app.has("alembic.ini"):
        return [Found("release", "alembic upgrade head", (_first_line(app, "alembic.ini"),))]
    if migrate := _flask_migrate(app):
        module = str(so_far.value("app.module", "app"))
        return [Found("release", shlex.join(["flask", "--app", module, "db", "upgrade"]), migrate)]
    if django and app.has("manage.py"):
        return [_django_default(Evidence("manage.py"))]
    return []


def _plain_migrate(command: Command) -> bool:
    """`python manage.py migrate [--noinput]`, with nothing else the framework's release would miss."""
    words = [w.rsplit("/", 1)[-1] for w in command.argv if w not in ("--noinput", "--no-input")]
    return not _SHELL.search(command.text.split("#", 1)[0]) and words[-2:] == ["manage.py", "migrate"]


def _django_default(evidence: Evidence) -> Found:
    return Found(f"{FACT}left_out.release", f"release: builder runs `{DJANGO_MIGRATE}` for app.framework: django",
                 (evidence,))


def as_exec(command: Command) -> str:
    """The command as builder runs it (exec form, no shell): leading NAME=value through `env`, shell syntax in sh."""
    if _SHELL.search(" ".join(command.argv)) or _SHELL.search(command.text.split("#", 1)[0]):
        return shlex.join(["sh", "-c", command.text])
    return shlex.join([*(["env", *command.env] if command.env else []), *command.argv])


def _flask_migrate(app: AppFiles) -> tuple[Evidence, ...] | None:
    package = dependency_source(app).packages.get("flask-migrate")
    if package is None:
        return None
    use = next((line for line, _ in app.grep(re.compile(r"\bMigrate\("), app.python())), None)
    evidence = (package, Evidence(use.file, use.number, use.text.strip())) if use else (package,)
    return evidence if use or any(p.startswith("migrations/") for p in app.paths) else None


def _first_line(app: AppFiles, rel: str) -> Evidence:
    line = next((ln for ln in app.lines(rel) if ln.text.strip() and not ln.text.startswith("#")), None)
    return Evidence(rel, line.number if line else None, line.text.strip() if line else "")
