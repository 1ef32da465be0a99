"""Redis: the spec's `services.redis`, its images, its validation container, readiness and outage."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from builder.bases import BaseImage, DebianSuite, service_base

if TYPE_CHECKING:
    from builder.plan import ServicePlan
    from builder.spec import AppSpec
    from builder.standins import StandInRecipe
    from builder.validate.checks import RunningApp
    from builder.validate.report import Check
    from builder.validate.services import RunningService

# deb.debian.org (apt-cache policy): bookworm ships redis 7.0, trixie 8.0.
SUITE_VERSIONS = {"bookworm": "7", "trixie": "8"}


class Redis:
    kind = "redis"
    port = 6379
    # Parses, but reaches nothing (port 9, discard, on loopback): for build steps and an app started alone.
    unreachable_url = "redis://127.0.0.1:9/0"
    outage = "redis stopped"

    def plan(self, spec: AppSpec) -> ServicePlan | None:
        from builder.plan import ServicePlan

        redis = spec.services.redis
        if redis is None:
            return None
        settings = {"maxmemory": redis.maxmemory, "policy": redis.policy,
                    "memory_limit": container_memory(redis.maxmemory)}
        return ServicePlan(self.kind, self.kind, self.image(redis.version), redis.version, settings, self.port,
                           f"{spec.name}-cache", "services", {}, ["redis-cli", "ping"])

    def compose_env(self, planned: ServicePlan) -> dict[str, str]:
        return {"url": f"redis://{planned.name}:{self.port}/0", "host": planned.name, "port": str(self.port)}

    def render_env(self, planned: ServicePlan, part: str) -> dict[str, Any]:
        prop = "connectionString" if part == "url" else part
        return {"fromService": {"type": "keyvalue", "name": planned.render_name, "property": prop}}

    def image(self, version: str) -> BaseImage:
        return service_base("redis", version, SUITE_VERSIONS)

    def stand_in_version(self, suite: DebianSuite) -> str:
        return SUITE_VERSIONS[suite.name]

    def stand_in_recipe(self, suite: DebianSuite) -> StandInRecipe:
        from builder.standins import PATH, StandInRecipe, entrypoint_hooks

        customize = (*entrypoint_hooks("redis-entrypoint.sh"), 'chroot "$1" install -d -o redis -g redis -m 755 /data')
        changes = (
            f"ENV PATH={PATH}",
            "ENV LANG=C.UTF-8",
            "VOLUME /data",
            "WORKDIR /data",
            'ENTRYPOINT ["docker-entrypoint.sh"]',
            'CMD ["redis-server"]',
            "EXPOSE 6379",
        )
        return StandInRecipe(("redis-server",), customize, changes)

    def container(self, plan: ServicePlan, image: str, labels: dict[str, str]) -> tuple[Any, str]:
        from testcontainers.core.container import DockerContainer

        command = ["redis-server", "--maxmemory", plan.settings["maxmemory"],
                   "--maxmemory-policy", plan.settings["policy"]]
        # testcontainers types `command` as str, but passes it to docker-py, which takes a list as exec form.
        container = DockerContainer(image, labels=labels).with_command(command)
        return container, f"redis://{plan.name}:{self.port}/0"

    def outage_check(self, app: RunningApp, running: RunningService, *, liveness: str, readiness: str) -> Check:
        """With Redis stopped, liveness stays 2xx (no restart for an outage) and readiness reports the failure."""
        from builder.validate.checks import OUTAGE_TIMEOUT
        from builder.validate.report import Check

        expected = "liveness stays 2xx, readiness non-2xx while Redis is stopped"
        started = time.monotonic()
        running.docker.stop(timeout=5)
        ready, _ = app.poll(readiness, until_ok=False, timeout=OUTAGE_TIMEOUT)
        live = app.ask(liveness)
        seen = f"liveness {live.describe()}; readiness {ready.describe()}"
        return Check("redis stopped", live.ok and not ready.ok, expected, seen, time.monotonic() - started)


def container_memory(maxmemory: str) -> str:
    """Redis needs headroom above maxmemory (fragmentation, buffers), or the container limit kills it first."""
    units = {"kb": 1 / 1024, "mb": 1, "gb": 1024}
    mb = float(maxmemory[:-2]) * units[maxmemory[-2:]]
    return f"{max(64, int(mb * 1.5))}M"
