"""Framework variants: each fills in the defaults its framework implies where the spec is silent.

A framework never overrides what the spec says; it only fills gaps (an asgi kind for FastAPI, Django's migrate as
the release command), and says what it filled so `builder plan` can show it.
"""

from __future__ import annotations

from typing import Protocol

from builder.plan.model import FrameworkCheck
from builder.spec import AppSpec

DJANGO_MIGRATE = "python manage.py migrate --noinput"
DJANGO_COLLECTSTATIC = "python manage.py collectstatic --noinput"


class Framework(Protocol):
    name: str
    # The Host header builder's own requests carry (HEALTHCHECK, validation). An IP is what a bare request sends.
    probe_host: str
    # Variables a platform sets that the framework's apps read; builder sets them where it runs the app itself.
    local_env: dict[str, str]
    checks: list[FrameworkCheck]  # run by validation in the image

    def applies(self, spec: AppSpec) -> bool: ...
    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]: ...


def _with_app(spec: AppSpec, **changes: object) -> AppSpec:
    return spec.model_copy(update={"app": spec.app.model_copy(update=changes)})


class Flask:
    name = "flask"
    probe_host = "127.0.0.1"
    local_env: dict[str, str] = {}  # noqa: RUF012 (read only)
    checks: list[FrameworkCheck] = []  # noqa: RUF012 (read only)

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "flask"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        return spec, []


class FastAPI:
    """FastAPI (and Starlette) apps are ASGI: with no app.kind given, the kind is asgi."""

    name = "fastapi"
    probe_host = "127.0.0.1"
    local_env: dict[str, str] = {}  # noqa: RUF012 (read only)
    checks: list[FrameworkCheck] = []  # noqa: RUF012 (read only)

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "fastapi"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        if "kind" in spec.app.model_fields_set:
            return spec, []
        return _with_app(spec, kind="asgi"), ["app.kind: asgi (FastAPI serves ASGI)"]


class Django:
    """Django: migrate is the release and collectstatic a build step, unless the spec says otherwise.

    ALLOWED_HOSTS applies to every request, probes included, so builder's own requests say `Host: localhost`, and
    where builder runs the app it sets RENDER_EXTERNAL_HOSTNAME as Render does (settings that follow Render's guide
    add it to ALLOWED_HOSTS).
    """

    name = "django"
    probe_host = "localhost"
    local_env = {"RENDER_EXTERNAL_HOSTNAME": "localhost"}  # noqa: RUF012 (read only)
    # Django's own production checklist. These fail validation; the rest (HSTS, secure cookies, ...) are reported,
    # since behind Render's TLS-terminating proxy they are choices, not mistakes.
    checks = [FrameworkCheck(  # noqa: RUF012 (read only)
        "django check --deploy", ["python", "manage.py", "check", "--deploy"],
        {"security.W018": "DEBUG on in deployment", "security.W009": "SECRET_KEY short or Django's insecure default",
         "security.W020": "ALLOWED_HOSTS empty"})]

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "django"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        changes: dict[str, object] = {}
        if "release" not in spec.model_fields_set:
            changes["release"] = DJANGO_MIGRATE
        if "build_steps" not in spec.model_fields_set:
            changes["build_steps"] = [DJANGO_COLLECTSTATIC]
        filled = [f"release: {DJANGO_MIGRATE}"] * ("release" in changes)
        filled += [f"build_steps: [{DJANGO_COLLECTSTATIC}]"] * ("build_steps" in changes)
        return spec.model_copy(update=changes), filled


class GenericApp:
    """Any WSGI or ASGI callable: nothing to fill in; the name is its kind."""

    name = "generic"
    probe_host = "127.0.0.1"
    local_env: dict[str, str] = {}  # noqa: RUF012 (read only)
    checks: list[FrameworkCheck] = []  # noqa: RUF012 (read only)

    def applies(self, spec: AppSpec) -> bool:
        return True

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        return spec, []


# Order matters only in that the generic variant, which applies to every spec, comes last.
FRAMEWORKS: tuple[Framework, ...] = (Flask(), FastAPI(), Django(), GenericApp())


def choose_framework(spec: AppSpec) -> Framework:
    """The first framework variant that applies."""
    return next(f for f in FRAMEWORKS if f.applies(spec))
