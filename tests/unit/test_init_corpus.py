"""builder init on each app of the intake corpus: what it finds, where it says it found it, and that the spec it
writes loads and plans. No network, no engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.cli import main
from builder.load import load_spec
from builder.plan.make import make_plan

CORPUS = Path(__file__).resolve().parents[1] / "intake"

# app -> {field: (value, "file:line" of the first evidence, or None for a guess with no evidence)}
EXPECTED: dict[str, dict[str, tuple[Any, str | None]]] = {
    "flask-factory": {
        "app.module": ("notes:create_app()", "notes/__init__.py:6"), "app.framework": ("flask", "notes/__init__.py:6"),
        "python": ("3.11", ".python-version:1"), "health.liveness": ("/health", "notes/__init__.py:12"),
        "dependencies.source": ("requirements.txt", "requirements.txt"),
    },
    "flask-migrate-rq": {
        "app.module": ("board_app:app", "Procfile:1"), "app.framework": ("flask", "Procfile:1"),
        "server.workers": (2, "Procfile:1"), "server.timeout": (60, "Procfile:1"),
        "release": ("flask --app board_app:app db upgrade", "requirements.txt:4"),
        "services.postgres": ({}, "requirements.txt:5"), "services.redis": ({}, "requirements.txt:6"),
        "env.DATABASE_URL": ({"from": "postgres"}, "board/__init__.py:16"),
        "env.REDIS_URL": ({"from": "redis"}, "board/__init__.py:20"),
        "env.SECRET_KEY": ({"generate": True}, "board/__init__.py:17"),
        "health.liveness": ("/healthz", "board/__init__.py:25"), "health.readiness": ("/ready", "board/__init__.py:29"),
        "processes.worker": ({"command": "rq worker --url $REDIS_URL board-tasks"}, "Procfile:2"),
    },
    "fastapi-poetry": {
        "name": ("ledger-api", "pyproject.toml:2"), "app.kind": ("asgi", "service/main.py:16"),
        "app.module": ("service.main:app", "service/main.py:16"), "dependencies.source": ("poetry.lock", "poetry.lock"),
        "python": ("3.11", "pyproject.toml:9"), "services.postgres": ({}, "pyproject.toml:12"),
        "env.DATABASE_URL": ({"from": "postgres"}, "service/config.py:5"),
    },
    "fastapi-uv": {
        "name": ("counter", "pyproject.toml:2"), "python": ("3.13", ".python-version:1"),
        "dependencies.source": ("uv.lock", "uv.lock"), "app.module": ("app.main:app", "app/main.py:8"),
        "health.liveness": ("/livez", "app/routes.py:6"), "health.readiness": ("/readyz", "app/routes.py:11"),
        "env.REDIS_URL": ({"from": "redis"}, "app/main.py:9"),
    },
    "django-split-db": {
        "app.framework": ("django", "docker-compose.yml:4"), "app.module": ("clinic.wsgi:application", None),
        "services.postgres": ({"version": "15"}, "requirements.txt:2"),
        "health.liveness": ("/health/", "clinic/urls.py:17"), "health.readiness": ("/ready/", "clinic/urls.py:18"),
        "env.DJANGO_ALLOWED_HOSTS": ({"value": "localhost"}, "clinic/settings.py:8"),
        "env.SQL_ENGINE": ({"value": "django.db.backends.postgresql"}, "clinic/settings.py:17"),
        "env.SQL_DATABASE": ({"from": "postgres", "part": "database"}, "clinic/settings.py:18"),
        "env.SQL_USER": ({"from": "postgres", "part": "user"}, "clinic/settings.py:19"),
        "env.SQL_PASSWORD": ({"from": "postgres", "part": "password"}, "clinic/settings.py:20"),
        "env.SQL_HOST": ({"from": "postgres", "part": "host"}, "clinic/settings.py:21"),
        "env.SQL_PORT": ({"from": "postgres", "part": "port"}, "clinic/settings.py:22"),
        "build_steps": ([], "clinic/settings.py"),
    },
    "django-whitenoise": {
        "app.module": ("shop.wsgi:application", "render.yaml:6"), "python": ("3.11", "runtime.txt:1"),
        "app.framework": ("django", "render.yaml:6"), "env.SECRET_KEY": ({"generate": True}, "shop/settings.py:8"),
        "env.DATABASE_URL": ({"from": "postgres"}, "shop/settings.py:25"),
        "services.postgres": ({"version": "15"}, "requirements.txt:3"),
    },
    "pipfile-flask": {
        "dependencies.source": ("Pipfile.lock", "Pipfile.lock"), "python": ("3.11", "Pipfile:14"),
        "app.module": ("app:app", "app.py:6"), "services.redis": ({}, "Pipfile:8"),
        "env.REDIS_URL": ({"from": "redis"}, "app.py:7"),
    },
    "requirements-folder": {
        "dependencies.source": ("requirements/production.txt", "requirements/production.txt"),
        "app.module": ("wsgi:app", "wsgi.py:3"), "app.framework": ("flask", "wsgi.py:3"),
        "build_steps.babel": ("pybabel compile -d portal/translations", "requirements/base.txt:2"),
    },
    "procfile-celery": {
        "app.module": ("mailer:create_app()", "Procfile:1"), "server.worker_class": ("gthread", "Procfile:1"),
        "server.threads": (4, "Procfile:1"), "env.CELERY_BROKER_URL": ({"from": "redis"}, "mailer/tasks.py:5"),
        "processes.worker": ({"command": "celery -A mailer.tasks worker --loglevel=info --concurrency=2"},
                             "Procfile:2"),
    },
    "own-dockerfile": {
        "python": ("3.13", "Dockerfile:1"), "app.module": ("main:app", "Dockerfile:6"), "port": (80, "Dockerfile:6"),
        "health.liveness": ("/healthz", "main.py:11"), "dockerfile": ("Dockerfile.builder", "Dockerfile"),
    },
    "no-health": {
        "app.module": ("server:application", "server.py:3"),
    },
}
# app -> words each expected gap (an `unexpressed` entry) contains
GAPS = {
    "django-whitenoise": ["own render.yaml"],
    "own-dockerfile": ["starts with uvicorn"],
}
# app -> words of what init left out for builder's defaults to fill, as the trailer of builder.yaml says
LEFT_OUT = {
    "django-split-db": ["release: builder runs `python manage.py migrate --noinput`"],
    "django-whitenoise": ["release: builder runs", "health: the app has no health routes"],
    "no-health": ["health: the app has no health routes"],
    "pipfile-flask": ["health: the app's /health is liveness only", "readiness checking redis"],
    "procfile-celery": ["health: the app's /health is liveness only"],
}
GUESSES = {("fastapi-poetry", "python"), ("django-split-db", "env.DJANGO_ALLOWED_HOSTS")}


def init_json(app: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    assert main(["init", str(app), "--json", *extra]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


@pytest.fixture
def corpus_copy(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    target = tmp_path / str(request.param)
    shutil.copytree(CORPUS / str(request.param), target)
    return target


def test_the_corpus_has_the_layouts_the_issue_names() -> None:
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("corpus_copy", sorted(EXPECTED), indirect=True)
def test_init_finds_each_value_with_its_evidence(corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {f["field"]: f for f in init_json(corpus_copy, capsys)["found"]}
    for field, (value, where) in EXPECTED[corpus_copy.name].items():
        assert found[field]["value"] == value, field
        evidence = found[field]["evidence"]
        if where is not None:
            first = evidence[0]
            assert (f"{first['file']}:{first['line']}" if first["line"] else first["file"]) == where, field
        assert found[field]["guess"] == ((corpus_copy.name, field) in GUESSES), field


@pytest.mark.parametrize("corpus_copy", sorted(EXPECTED), indirect=True)
def test_the_written_spec_loads_plans_and_names_its_gaps(corpus_copy: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    report = init_json(corpus_copy, capsys)
    text = (corpus_copy / "builder.yaml").read_text()
    loaded = load_spec(corpus_copy)
    plan = make_plan(loaded.spec)
    assert plan.app_module == EXPECTED[corpus_copy.name]["app.module"][0]
    assert yaml.safe_load(text) == report["spec"]
    gaps = [u["what"] for u in report["unexpressed"]]
    for words in GAPS.get(corpus_copy.name, []):
        assert any(words in gap for gap in gaps), words
        assert words in text  # the YAML says it too, as a comment
    assert len(gaps) == len(GAPS.get(corpus_copy.name, [])), gaps
    assert main(["--spec", str(corpus_copy), "plan"]) == 0


@pytest.mark.parametrize("corpus_copy", sorted(EXPECTED), indirect=True)
def test_what_builder_provides_is_left_out_and_said(corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No health section without the app's own routes (builder's probes serve); Django's release and collectstatic
    are the framework's; each omission is listed at the end of builder.yaml."""
    report = init_json(corpus_copy, capsys)
    text = (corpus_copy / "builder.yaml").read_text()
    trailer = text.split("# Left out, so builder's defaults apply:")[-1] if "# Left out" in text else ""
    facts = " ".join(v for k, v in report["facts"].items() if k.startswith("left_out."))
    for words in LEFT_OUT.get(corpus_copy.name, []):
        assert words in trailer and words in facts, words
    plan = make_plan(load_spec(corpus_copy).spec)
    wants_probes = any(w.startswith("health:") for w in LEFT_OUT.get(corpus_copy.name, []))
    assert ("health" in report["spec"]) is not wants_probes
    assert plan.health.provider == ("builder" if wants_probes else "app")
    if report["spec"]["app"]["framework"] == "django":
        assert "release" not in report["spec"]
        # collectstatic is the framework's default, unless the app has no staticfiles app to collect for
        whitenoise = corpus_copy.name == "django-whitenoise"
        assert report["spec"].get("build_steps", "default") == ("default" if whitenoise else [])
        assert plan.runtime.build_steps == (["python manage.py collectstatic --noinput"] if whitenoise else [])
        assert plan.release_command == ["python", "manage.py", "migrate", "--noinput"]


@pytest.mark.parametrize("corpus_copy", ["flask-migrate-rq"], indirect=True)
def test_each_value_line_names_its_source_and_guesses_say_so(corpus_copy: Path) -> None:
    assert main(["init", str(corpus_copy)]) == 0
    lines = (corpus_copy / "builder.yaml").read_text().splitlines()
    assert '  module: "board_app:app"  # Procfile:1' in lines
    assert any(line.startswith('python: "3.11"  # guess') for line in lines)
    assert '  DATABASE_URL: {from: "postgres"}  # board/__init__.py:16' in lines


@pytest.mark.parametrize("corpus_copy", ["own-dockerfile"], indirect=True)
def test_build_takes_builders_dockerfile_not_the_apps(corpus_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The app's own Dockerfile stays; build asks for the one the spec names (here before any engine is asked)."""
    assert main(["init", str(corpus_copy)]) == 0
    capsys.readouterr()
    assert main(["--spec", str(corpus_copy), "build", "--no-generate"]) == 2
    assert "no Dockerfile.builder in" in capsys.readouterr().err
    assert (corpus_copy / "Dockerfile").read_text().startswith("FROM python:3.13-slim")
