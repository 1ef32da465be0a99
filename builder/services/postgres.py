"""PostgreSQL: the spec's `services.postgres`, its images, its validation container, readiness and outage."""

from __future__ import annotations

import secrets
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

# deb.debian.org (apt-cache policy): bookworm ships postgresql 15, trixie 17; no suite has 16.
SUITE_VERSIONS = {"bookworm": "15", "trixie": "17"}
DATA_DIR = "/var/lib/postgresql/data"


class Postgres:
    kind = "postgres"
    port = 5432
    # Parses, but reaches nothing (port 9, discard, on loopback): for build steps and an app started alone.
    unreachable_url = "postgresql://builder:unused@127.0.0.1:9/unused"
    outage = "postgres restart"

    def plan(self, spec: AppSpec) -> ServicePlan | None:
        from builder.plan import ServicePlan

        pg = spec.services.postgres
        if pg is None:
            return None
        database = pg.database or spec.name.replace("-", "_")
        settings = {"database": database, "user": pg.user or database}
        render_name = "" if pg.external else f"{spec.name}-db"
        return ServicePlan(self.kind, self.kind, self.image(pg.version), pg.version, settings, self.port,
                           render_name, "" if pg.external else "databases", {"postgres-data": DATA_DIR},
                           _ready_command(settings), external=pg.external)

    def compose_env(self, planned: ServicePlan) -> dict[str, str]:
        """What the app gets in compose.yaml: the password stays a compose variable with a local default."""
        user, database = planned.settings["user"], planned.settings["database"]
        password = "${POSTGRES_PASSWORD:-local-only}"
        url = f"postgresql://{user}:{password}@{planned.name}:{self.port}/{database}"
        return {"url": url, "host": planned.name, "port": str(self.port), "user": user, "password": password,
                "database": database}

    def render_env(self, planned: ServicePlan, part: str) -> dict[str, Any]:
        """Render's database properties; an external database is a secret a person sets on Render."""
        if planned.external:
            return {"sync": False}
        prop = "connectionString" if part == "url" else part
        return {"fromDatabase": {"name": planned.render_name, "property": prop}}

    def image(self, version: str) -> BaseImage:
        return service_base("postgres", version, SUITE_VERSIONS)

    def stand_in_version(self, suite: DebianSuite) -> str:
        return SUITE_VERSIONS[suite.name]

    def stand_in_recipe(self, suite: DebianSuite) -> StandInRecipe:
        from builder.standins import PATH, StandInRecipe, entrypoint_hooks

        version = self.stand_in_version(suite)
        # Debian's postinst would create a "main" cluster that the entrypoint never uses.
        no_cluster = (
            'mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false"'
            ' > "$1/etc/postgresql-common/createcluster.d/builder.conf"',
        )
        customize = (
            *entrypoint_hooks("postgres-entrypoint.sh"),
            f'chroot "$1" install -d -o postgres -g postgres -m 700 {DATA_DIR}',
        )
        changes = (
            f"ENV PATH=/usr/lib/postgresql/{version}/bin:{PATH}",
            "ENV LANG=C.UTF-8",
            f"ENV PGDATA={DATA_DIR}",
            f"VOLUME {DATA_DIR}",
            'ENTRYPOINT ["docker-entrypoint.sh"]',
            'CMD ["postgres"]',
            # The official image also sets STOPSIGNAL SIGINT; the engine's import refuses that change.
            "EXPOSE 5432",
        )
        return StandInRecipe((f"postgresql-{version}",), customize, changes, essential=no_cluster)

    def container(self, plan: ServicePlan, image: str, labels: dict[str, str]) -> tuple[Any, str]:
        """A throwaway database with a throwaway password, and the URL the app gets for it."""
        from testcontainers.core.container import DockerContainer

        user, database = plan.settings["user"], plan.settings["database"]
        password = secrets.token_hex(12)  # the container lives for this run only
        env = {"POSTGRES_USER": user, "POSTGRES_PASSWORD": password, "POSTGRES_DB": database}
        url = f"postgresql://{user}:{password}@{plan.name}:{self.port}/{database}"
        return DockerContainer(image, env=env, labels=labels, shm_size="128m"), url

    def outage_check(self, app: RunningApp, running: RunningService, *, liveness: str, readiness: str) -> Check:
        """Readiness fails while Postgres is down, and comes back by itself once Postgres is up again."""
        from builder.containers import wait_for_exit
        from builder.validate.checks import OUTAGE_TIMEOUT, RECOVERY_TIMEOUT
        from builder.validate.report import Check
        from builder.validate.services import wait_until_ready

        expected = "readiness non-2xx while Postgres is down, 2xx again on its own after Postgres restarts"
        started = time.monotonic()
        # SIGINT is Postgres' fast shutdown (the official image's STOPSIGNAL); SIGTERM would wait for the app's pool.
        running.docker.kill(signal="SIGINT")
        wait_for_exit(running.docker, timeout=30)
        down, _ = app.poll(readiness, until_ok=False, timeout=OUTAGE_TIMEOUT)
        running.docker.start()
        wait_until_ready(running, timeout=RECOVERY_TIMEOUT)
        back, took = app.poll(readiness, until_ok=True, timeout=RECOVERY_TIMEOUT)
        seen = (f"while down: {down.describe()}; after restart: {back.describe()} "
                f"({took:.1f} s after Postgres was ready)")
        return Check("postgres restart", not down.ok and back.ok, expected, seen, time.monotonic() - started)


def _ready_command(settings: dict[str, str]) -> list[str]:
    # Over TCP: during initialisation both images listen on a socket only, so this stays red until done.
    return ["pg_isready", "-h", "127.0.0.1", "-U", settings["user"], "-d", settings["database"]]


# validate --load: the server under a connection cap, and how many connections it holds.
TOO_MANY = ("too many clients", "remaining connection slots are reserved")  # over the cap, for anyone / non-superusers
CONNECTIONS_SQL = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                   "AND pid <> pg_backend_pid()")


def capped_command(max_connections: int) -> list[str]:
    """The server's command with a connection cap; the entrypoint passes `-c` settings through to postgres."""
    from builder.budget import SUPERUSER_RESERVED

    return ["postgres", "-c", f"max_connections={max_connections}",
            "-c", f"superuser_reserved_connections={SUPERUSER_RESERVED}"]


def connections_in_use(running: RunningService) -> tuple[int | None, str]:
    """Client connections open now (pg_stat_activity, without this query's own), or None and why not.

    Over the local socket as the database's owner, a superuser: the reserved slots let it in when the app's are full.
    """
    user, database = running.plan.settings["user"], running.plan.settings["database"]
    result = running.docker.exec_run(["psql", "-U", user, "-d", database, "-tAc", CONNECTIONS_SQL])
    text = result.output.decode(errors="replace").strip()
    if result.exit_code != 0 or not text.isdigit():
        return None, text.splitlines()[-1] if text else f"psql exit {result.exit_code}"
    return int(text), ""
