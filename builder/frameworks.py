"""Framework variants: each fills in the defaults its framework implies where the spec is silent.

A framework never overrides what the spec says; it only fills gaps (an asgi kind for FastAPI, Django's migrate as
the release command), and says what it filled so `builder plan` can show it.
"""

from __future__ import annotations

from typing import Protocol

from builder.spec import AppSpec

DJANGO_MIGRATE = "python manage.py migrate --noinput"


class Framework(Protocol):
    name: str

    def applies(self, spec: AppSpec) -> bool: ...
    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]: ...


def _with_app(spec: AppSpec, **changes: object) -> AppSpec:
    return spec.model_copy(update={"app": spec.app.model_copy(update=changes)})


class Flask:
    name = "flask"

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "flask"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        return spec, []


class FastAPI:
    """FastAPI (and Starlette) apps are ASGI: with no app.kind given, the kind is asgi."""

    name = "fastapi"

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "fastapi"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        if "kind" in spec.app.model_fields_set:
            return spec, []
        return _with_app(spec, kind="asgi"), ["app.kind: asgi (FastAPI serves ASGI)"]


class Django:
    """Django migrates with manage.py: with no release command given, that is the release."""

    name = "django"

    def applies(self, spec: AppSpec) -> bool:
        return spec.app.framework == "django"

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        if "release" in spec.model_fields_set:
            return spec, []
        return spec.model_copy(update={"release": DJANGO_MIGRATE}), [f"release: {DJANGO_MIGRATE}"]


class GenericApp:
    """Any WSGI or ASGI callable: nothing to fill in; the name is its kind."""

    name = "generic"

    def applies(self, spec: AppSpec) -> bool:
        return True

    def fill(self, spec: AppSpec) -> tuple[AppSpec, list[str]]:
        return spec, []


# Order matters only in that the generic variant, which applies to every spec, comes last.
FRAMEWORKS: tuple[Framework, ...] = (Flask(), FastAPI(), Django(), GenericApp())


def choose_framework(spec: AppSpec) -> Framework:
    """The first framework variant that applies."""
    return next(f for f in FRAMEWORKS if f.applies(spec))
