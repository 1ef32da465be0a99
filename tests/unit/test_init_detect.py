"""builder init on small made-up apps: the layouts and settings the corpus does not hold (a src layout, an external
database, split Redis settings, probes), each checked through the spec it writes and the plan that spec makes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.cli import main
from builder.load import load_spec
from builder.plan.make import make_plan

FLASK = "from flask import Flask\napp = Flask(__name__)\n"


def app_with(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def init(app: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the spec written, init's JSON report)."""
    assert main(["init", str(app), "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return yaml.safe_load((app / "builder.yaml").read_text()), report


def test_a_src_layout_names_the_package_and_puts_src_on_the_path(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "src/shop/__init__.py": "",
                              "src/shop/web.py": "from shop import models\n" + FLASK, "src/shop/models.py": ""})
    spec, _ = init(app, capsys)
    assert spec["app"]["module"] == "shop.web:app"
    assert spec["env"]["PYTHONPATH"] == {"value": "/app/src"}
    assert "# src/shop/web.py; a src layout" in (app / "builder.yaml").read_text()


def test_a_src_package_that_is_a_package_keeps_its_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "src/__init__.py": "", "src/web.py": FLASK})
    spec, _ = init(app, capsys)
    assert spec["app"]["module"] == "src.web:app"
    assert "env" not in spec


def test_a_start_command_naming_a_src_module_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "Procfile": "web: gunicorn --chdir src api.wsgi:app\n",
                              "src/api/__init__.py": "", "src/api/wsgi.py": FLASK})
    spec, _ = init(app, capsys)
    assert spec["app"]["module"] == "api.wsgi:app"
    assert spec["env"]["PYTHONPATH"] == {"value": "/app/src"}


def test_a_database_render_yaml_asks_a_person_for_is_external(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    render = ("services:\n  - type: web\n    name: api\n    runtime: python\n    envVars:\n"
              "      - key: DATABASE_URL\n        sync: false\n")
    app = app_with(tmp_path, {"requirements.txt": "flask\npsycopg[binary]\n", "render.yaml": render,
                              "app.py": "import os\n" + FLASK + "DB = os.environ['DATABASE_URL']\n"})
    spec, report = init(app, capsys)
    assert spec["services"]["postgres"] == {"external": True}
    assert spec["env"]["DATABASE_URL"] == {"from": "postgres"}
    found = {f["field"]: f for f in report["found"]}
    assert found["services.postgres"]["evidence"][-1]["file"] == "render.yaml"
    assert make_plan(load_spec(app).spec).services[0].external


def test_a_hosted_database_in_the_example_env_is_external_and_its_url_is_not_copied(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = "DATABASE_URL=postgresql://postgres:hunter2@db.abcd.supabase.co:5432/postgres\n"
    app = app_with(tmp_path, {"requirements.txt": "flask\npsycopg2-binary\n", ".env.example": example,
                              "app.py": "import os\n" + FLASK + "DB = os.environ.get('DATABASE_URL')\n"})
    spec, _ = init(app, capsys)
    assert spec["services"]["postgres"] == {"external": True}
    assert "hunter2" not in (app / "builder.yaml").read_text()


def test_a_database_provisioned_in_render_yaml_is_not_external(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    render = ("services:\n  - type: web\n    name: api\n    envVars:\n      - key: DATABASE_URL\n        fromDatabase:"
              "\n          name: db\n          property: connectionString\ndatabases:\n  - name: db\n")
    app = app_with(tmp_path, {"requirements.txt": "flask\npsycopg\n", "render.yaml": render, "app.py": FLASK})
    spec, _ = init(app, capsys)
    assert spec["services"]["postgres"] == {}


def test_split_redis_settings_take_its_parts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = ("import os\n" + FLASK + "HOST = os.environ['REDIS_HOST']\nPORT = os.environ.get('REDIS_PORT', '6379')\n"
            "PASSWORD = os.environ.get('REDIS_PASSWORD')\n")
    app = app_with(tmp_path, {"requirements.txt": "flask\nredis\n", "app.py": code})
    spec, _ = init(app, capsys)
    assert spec["env"]["REDIS_HOST"] == {"from": "redis", "part": "host"}
    assert spec["env"]["REDIS_PORT"] == {"from": "redis", "part": "port"}
    # builder's Redis has no password to hand out; the app copes without one (os.environ.get)
    assert spec["env"]["REDIS_PASSWORD"] == {"secret": True, "optional": True}
    plan = make_plan(load_spec(app).spec)
    assert {b.name: b.part for b in plan.env if b.source == "redis"} == {"REDIS_HOST": "host", "REDIS_PORT": "port"}


def test_split_settings_with_no_service_declared_are_plain_variables(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n",
                              "app.py": "import os\n" + FLASK + "H = os.environ['DB_HOST']\n"})
    spec, _ = init(app, capsys)
    assert spec["env"]["DB_HOST"] == {"secret": True}


def test_a_required_settings_field_is_a_secret_validate_fills(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    settings = ("from pydantic_settings import BaseSettings\n\n\nclass Settings(BaseSettings):\n"
                "    api_token: str\n    title: str = 'x'\n")
    app = app_with(tmp_path, {"requirements.txt": "fastapi\npydantic-settings\n", "config.py": settings,
                              "main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    spec, _ = init(app, capsys)
    assert spec["env"]["API_TOKEN"] == {"secret": True}
    assert "TITLE" not in spec["env"]


def test_a_readiness_route_alone_leaves_health_to_builder(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n",
                              "app.py": FLASK + "@app.route('/ready')\ndef ready():\n    return 'ok'\n"})
    spec, report = init(app, capsys)
    assert "health" not in spec
    assert "the app has /ready but no liveness route" in report["facts"]["left_out.health"]
    assert make_plan(load_spec(app).spec).health.liveness == "/_builder/live"


def test_a_blueprint_mounted_with_a_prefix_is_a_guess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = (FLASK + "from flask import Blueprint\nbp = Blueprint('ops', __name__)\n"
            "@bp.route('/health')\ndef health():\n    return 'ok'\n"
            "app.register_blueprint(bp, url_prefix='/ops')\n")
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "app.py": code})
    _, report = init(app, capsys)
    found = {f["field"]: f for f in report["found"]}
    assert found["health.liveness"]["guess"] and "URL prefix" in found["health.liveness"]["note"]


def test_an_app_with_dockerfile_render_gets_another_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "flask\n", "app.py": FLASK, "Dockerfile.render": "FROM x\n",
                              "Dockerfile.builder": "FROM y\n"})
    spec, _ = init(app, capsys)
    assert spec["dockerfile"] == "Dockerfile.builder2"
    plan = make_plan(load_spec(app).spec)
    assert [i.filename for i in plan.images] == ["Dockerfile.builder2", "Dockerfile.builder2.render"]


@pytest.mark.parametrize(("requires", "chosen"), [(">=3.10", "3.11"), (">=3.12", "3.12"), ("~=3.13", "3.13")])
def test_a_python_range_takes_the_default_when_it_allows_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             requires: str, chosen: str) -> None:
    pyproject = f'[project]\nname = "x"\nrequires-python = "{requires}"\ndependencies = ["flask"]\n'
    app = app_with(tmp_path, {"pyproject.toml": pyproject, "app.py": FLASK})
    spec, _ = init(app, capsys)
    assert spec["python"] == chosen


DJANGO_WSGI = ("import os\nfrom django.core.wsgi import get_wsgi_application\n"
               "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n"
               "application = get_wsgi_application()\n")


def test_django_with_another_build_step_keeps_collectstatic_by_name(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    settings = "INSTALLED_APPS = ['django.contrib.staticfiles']\nSTATIC_ROOT = 'staticfiles'\n"
    app = app_with(tmp_path, {"requirements.txt": "django\nbabel\n", "manage.py": "", "site1/__init__.py": "",
                              "site1/settings.py": settings, "site1/wsgi.py": DJANGO_WSGI,
                              "site1/locale/de/LC_MESSAGES/django.po": ""})
    spec, report = init(app, capsys)
    assert spec["build_steps"] == ["python manage.py collectstatic --noinput", "pybabel compile -d site1/locale"]
    assert report["unexpressed"] == []


def test_django_staticfiles_without_static_root_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = app_with(tmp_path, {"requirements.txt": "django\n", "manage.py": "", "site1/__init__.py": "",
                              "site1/settings.py": "INSTALLED_APPS = ['django.contrib.staticfiles']\n",
                              "site1/wsgi.py": DJANGO_WSGI})
    spec, report = init(app, capsys)
    assert "build_steps" not in spec
    assert any("set no STATIC_ROOT" in gap["what"] for gap in report["unexpressed"])
