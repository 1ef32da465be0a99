"""Backing services (Postgres, Redis), one module each, in the way testcontainers-python has one per service.

A service module owns everything about its kind: the spec section it reads, its official image and local stand-in,
how its container starts in validation, the URL the app gets, its readiness command and its outage check. Adding a
service (MySQL, RabbitMQ) is one module here plus its entry in SERVICES, and its compose and Render fragments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

from builder.services.postgres import Postgres
from builder.services.redis import Redis

if TYPE_CHECKING:
    from builder.bases import BaseImage, DebianSuite
    from builder.plan import ServicePlan
    from builder.spec import AppSpec
    from builder.standins import StandInRecipe
    from builder.validate.checks import RunningApp
    from builder.validate.report import Check
    from builder.validate.services import RunningService


class Service(Protocol):
    kind: str  # the spec's key under `services:`, the env `from:` value, the compose host name
    port: int
    outage: str  # the name of its outage check in validation
    unreachable_url: str  # a URL of its kind that parses but reaches nothing

    def plan(self, spec: AppSpec) -> ServicePlan | None: ...
    def compose_env(self, planned: ServicePlan) -> dict[str, str]: ...
    def render_env(self, planned: ServicePlan, part: str) -> dict[str, Any]: ...
    def image(self, version: str) -> BaseImage: ...
    def stand_in_version(self, suite: DebianSuite) -> str: ...
    def stand_in_recipe(self, suite: DebianSuite) -> StandInRecipe: ...
    def container(self, plan: ServicePlan, image: str, labels: dict[str, str]) -> tuple[Any, str]: ...
    def outage_check(self, app: RunningApp, running: RunningService, *, liveness: str, readiness: str) -> Check: ...


# The order is the order services appear in the plan, the generated files and validation's start-up: the database
# first, since the app's release command needs it before anything else.
SERVICES: tuple[Service, ...] = (Postgres(), Redis())


def service(kind: str) -> Service:
    """The module for one kind of service."""
    found = next((s for s in SERVICES if s.kind == kind), None)
    if found is None:
        raise KeyError(f"no service module for {kind!r}; known: {', '.join(s.kind for s in SERVICES)}")
    return found


def planned_services(spec: AppSpec) -> list[ServicePlan]:
    """The plan entry of every service the spec declares, in SERVICES order."""
    return [planned for s in SERVICES if (planned := s.plan(spec)) is not None]


def url_parts(url: str) -> dict[str, str]:
    """A service URL split into the parts an app may read separately (SQL_HOST, SQL_USER, ...)."""
    parsed = urlsplit(url)
    return {"url": url, "host": parsed.hostname or "", "port": str(parsed.port or ""),
            "user": unquote(parsed.username or ""), "password": unquote(parsed.password or ""),
            "database": parsed.path.lstrip("/")}
