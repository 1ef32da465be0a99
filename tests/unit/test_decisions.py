"""Plan decisions for the spine: what the generated files will say, decided once, as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.load import load_spec
from builder.plan import APP_UID, RENDER_PORT, BuildPlan
from builder.plan.make import make_plan

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def plan_of(name: str) -> BuildPlan:
    return make_plan(load_spec(GOLDEN / name).spec)


def test_asgi_app_gets_the_uvicorn_worker_package() -> None:
    plan = plan_of("fastapi-uvicorn")
    assert plan.server.worker_class == "uvicorn_worker.UvicornWorker"
    assert "uvicorn-worker" in plan.server.requires
    assert (plan.server.workers, plan.server.timeout) == (2, 120)


def test_wsgi_default_is_gthread_with_threads() -> None:
    plan = plan_of("flask-external-db")
    assert (plan.server.worker_class, plan.server.threads) == ("gthread", 4)
    assert plan.server.workers is None, "no workers in the spec: WEB_CONCURRENCY or the capped formula decides"


def test_gevent_needs_gevent() -> None:
    plan = plan_of("flask-gevent")
    assert plan.server.worker_class == "gevent" and "gevent" in plan.server.requires


def test_runtime_is_non_root_with_a_shell_free_healthcheck() -> None:
    runtime = plan_of("flask-gevent").runtime
    assert (runtime.user.uid, runtime.user.gid) == (APP_UID, APP_UID) and APP_UID >= 10000
    assert runtime.healthcheck.command[0] == "/opt/venv/bin/python"
    assert "/healthz" in runtime.healthcheck.command[-1]
    assert runtime.command == ["gunicorn", "--config", "/app/gunicorn.conf.py", "shop.wsgi:app"]
    assert runtime.env["PYTHONDONTWRITEBYTECODE"] == "1" and runtime.env["PYTHONUNBUFFERED"] == "1"


def test_python_313_uses_trixie_and_its_stand_in() -> None:
    plan = plan_of("flask-external-db")
    assert plan.base.official == "python:3.13-slim-trixie"
    assert plan.base.stand_in == "builder-local/python:3.13-slim-trixie"
    [postgres] = plan.services
    assert postgres.external and (postgres.render_name, postgres.render_section) == ("", ""), \
        "an external database: validate and compose run one locally, Render provisions none"
    assert {b.name: b.render for b in plan.env if b.source == "postgres"} == {
        "DATABASE_URL": {"sync": False}, "MIGRATIONS_DATABASE_URL": {"sync": False}}


def test_render_port_and_targets() -> None:
    images = {image.filename: image.port for image in plan_of("flask-sqlite").images}
    assert images == {"Dockerfile": 8000, "Dockerfile.render": RENDER_PORT} and RENDER_PORT == 10000


def test_free_render_plan_has_no_pre_deploy_and_says_so() -> None:
    render = plan_of("flask-sqlite").render
    assert render.pre_deploy_command is None
    paid = plan_of("fastapi-uvicorn").render
    assert paid.pre_deploy_command == "alembic upgrade head"
    assert plan_of("flask-gevent").render.scaling == {"minInstances": 1, "maxInstances": 3, "targetCPUPercent": 70}


def test_free_plan_with_a_release_command_gets_a_note(tmp_path: Path) -> None:
    source = GOLDEN / "flask-sqlite"
    for item in source.rglob("*"):
        if item.is_file():
            target = tmp_path / item.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.read_bytes())
    spec = tmp_path / "builder.yaml"
    spec.write_text(spec.read_text().replace("plan: starter", "plan: free").replace(
        "  disk: {path: /app/data, size_gb: 1}\n", ""))
    render = make_plan(load_spec(tmp_path).spec).render
    assert render.pre_deploy_command is None
    assert render.notes == ["free web services have no preDeployCommand: run the release command by hand after deploys"]


def test_source_build_puts_packages_in_the_right_stage() -> None:
    plan = plan_of("source-build")
    assert plan.builder.system_packages == ["gcc", "libpq-dev"]
    assert plan.runtime.system_packages == ["libpq5"]
    assert plan.runtime.build_steps == ["pybabel compile -d reports/translations"]
    assert plan.builder.install.installer == "pip"


def test_writable_paths_and_services() -> None:
    assert plan_of("flask-sqlite").runtime.writable_paths == ["/app/data"]
    services = {s.kind: s for s in plan_of("flask-gevent").services}
    assert services["postgres"].image.official == "postgres:15-bookworm"
    assert services["redis"].settings == {"maxmemory": "512mb", "policy": "allkeys-lru", "memory_limit": "768M"}


@pytest.mark.parametrize("name", ["flask-gevent", "fastapi-uvicorn", "flask-external-db", "flask-sqlite",
                                  "source-build"])
def test_plan_is_plain_data(name: str) -> None:
    import json

    assert json.loads(json.dumps(plan_of(name).to_dict()))["app_name"]
