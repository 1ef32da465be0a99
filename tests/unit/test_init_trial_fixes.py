"""builder init on what a new user's trial on three public apps tripped over: Django's stock pair of wsgi.py and
asgi.py, settings in commented-out lines, and database settings read from the environment."""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.cli import main
from builder.intake.files import without_comment
from builder.load import load_spec
from builder.plan.make import make_plan

WSGI = ("import os\nfrom django.core.wsgi import get_wsgi_application\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\napplication = get_wsgi_application()\n")
ASGI = ("import os\nfrom django.core.asgi import get_asgi_application\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\napplication = get_asgi_application()\n")
SETTINGS = "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nALLOWED_HOSTS = ['*']\n"


def django_app(root: Path, *, requirements: str = "Django==4.2\n", settings: str = SETTINGS,
               extra: dict[str, str] | None = None) -> Path:
    files = {"requirements.txt": requirements, "manage.py": "import django\n", "site_conf/__init__.py": "",
             "site_conf/settings.py": settings, "site_conf/wsgi.py": WSGI, "site_conf/asgi.py": ASGI,
             **(extra or {})}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def init(app: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    """(the spec written, its text)."""
    code = main(["init", str(app), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    json.loads(captured.out)
    text = (app / "builder.yaml").read_text()
    return yaml.safe_load(text), text


def test_startprojects_wsgi_and_asgi_pair_takes_wsgi_as_a_guess_naming_asgi(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec, text = init(django_app(tmp_path), capsys)
    assert spec["app"]["module"] == "site_conf.wsgi:application"
    assert spec["app"]["kind"] == "wsgi"
    module_line = next(line for line in text.splitlines() if line.lstrip().startswith("module:"))
    assert "# guess from site_conf/wsgi.py:4" in module_line
    assert "the alternative: site_conf.asgi:application" in module_line


@pytest.mark.parametrize("extra", [{"requirements.txt": "Django==4.2\nchannels==4.0\n"},
                                   {"requirements.txt": "Django==4.2\nuvicorn[standard]\n"},
                                   {"docker-compose.yml": "services:\n  api:\n    build: .\n    command: daphne "
                                                          "-b 0.0.0.0 site_conf.asgi:application\n"}])
def test_an_asgi_server_or_package_in_the_app_takes_asgi(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         extra: dict[str, str]) -> None:
    spec, text = init(django_app(tmp_path, extra=extra), capsys)
    assert spec["app"]["module"] == "site_conf.asgi:application"
    assert spec["app"]["kind"] == "asgi"
    assert "the alternative: site_conf.wsgi:application" in text


def test_two_asgi_entry_points_hint_at_a_server_that_speaks_asgi(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fastapi = "from fastapi import FastAPI\n{} = FastAPI()\n"
    for name, text in {"requirements.txt": "fastapi\n", "site.py": fastapi.format("app"),
                       "admin.py": fastapi.format("admin")}.items():
        (tmp_path / name).write_text(text)
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "two entry points" in err
    assert "gunicorn -k uvicorn.workers.UvicornWorker admin:admin" in err


def test_settings_in_commented_out_lines_are_no_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = ("from decouple import config\n"
                "# ALLOWED_HOSTS = config('ALLOWED_HOSTS').split(' ')\n"
                "ALLOWED_HOSTS = ['*']  # was config('ALLOWED_HOSTS')\n"
                "    # SENTRY_DSN = config('SENTRY_DSN')\n"
                "TOKEN = config('API_TOKEN')  # '#' in a comment\n")
    spec, text = init(django_app(tmp_path, settings=settings), capsys)
    assert set(spec["env"]) == {"API_TOKEN"}
    assert "ALLOWED_HOSTS" not in text and "SENTRY_DSN" not in text


def test_a_commented_out_static_root_does_not_count_as_one(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    settings = SETTINGS + "INSTALLED_APPS = ['django.contrib.staticfiles']\n# STATIC_ROOT = BASE_DIR / 'static'\n"
    _, text = init(django_app(tmp_path, settings=settings), capsys)
    assert "set no STATIC_ROOT" in text


@pytest.mark.parametrize(("line", "code"), [
    ("x = 1  # note", "x = 1"),
    ("s = '# not a comment'  # a comment", "s = '# not a comment'"),
    ('s = "it\\"s # still a string"', 's = "it\\"s # still a string"'),
    ("    # all comment", ""),
    ("url = 'a#b'", "url = 'a#b'"),
])
def test_a_comment_is_cut_at_the_first_hash_outside_a_string(line: str, code: str) -> None:
    assert without_comment(line) == code


BARE_WSGI = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hi']\n"


def probes_of(app: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The builder_probes.py that generate writes for the app, imported as gunicorn would (the app on the path)."""
    assert main(["--spec", str(app), "generate"]) == 0
    monkeypatch.syspath_prepend(str(app))
    spec = importlib.util.spec_from_file_location(f"probes_{app.name}", app / "builder_probes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ready(probes: Any) -> tuple[str, dict[str, Any]]:
    statuses: list[str] = []
    body = b"".join(probes.app({"PATH_INFO": probes.READINESS}, lambda status, _: statuses.append(status)))
    return statuses[0], json.loads(body)


def test_services_no_variable_wires_get_a_port_check_that_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "shop_unwired"
    app.mkdir()
    (app / "requirements.txt").write_text("psycopg2-binary\nredis\n")
    (app / "shop_unwired_app.py").write_text(BARE_WSGI)
    spec, text = init(app, capsys)
    assert "env" not in spec
    assert "postgres and redis by their ports only" in text
    probes = probes_of(app, monkeypatch)
    assert probes.METHODS == ["port", "port"]
    with socket.create_server(("127.0.0.1", 0)) as postgres, socket.create_server(("127.0.0.1", 0)) as redis:
        monkeypatch.setattr(probes, "DEFAULTS", (["127.0.0.1"] * 2, [postgres.getsockname()[1],
                                                                     redis.getsockname()[1]]))
        status, body = ready(probes)
    assert status.startswith("200"), body
    assert "accepts TCP connections (no login tried" in body["checks"]["postgres"]
    status, body = ready(probes)  # both listeners closed: the ports refuse
    assert status.startswith("503") and "ConnectionRefusedError" in body["checks"]["redis"]


def test_database_settings_the_app_reads_are_wired_and_logged_in_with(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    settings = SETTINGS + ("import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',\n"
                           "    'NAME': os.environ.get('POSTGRES_DB', 'app'),\n"
                           "    'USER': os.environ.get('POSTGRES_USER', 'app'),\n"
                           "    'PASSWORD': os.environ.get('POSTGRES_PASSWORD'),\n"
                           "    'HOST': os.environ.get('POSTGRES_HOST', 'localhost')}}\n"
                           "from decouple import config\nCACHE = config('REDIS_URL', default='redis://localhost')\n")
    spec, _ = init(django_app(tmp_path, requirements="Django==4.2\npsycopg2-binary\nredis\n", settings=settings),
                   capsys)
    assert spec["env"]["POSTGRES_PASSWORD"] == {"from": "postgres", "part": "password"}
    assert spec["env"]["POSTGRES_HOST"] == {"from": "postgres", "part": "host"}
    assert spec["env"]["REDIS_URL"] == {"from": "redis"}
    checks = make_plan(load_spec(tmp_path).spec).health.checks
    assert [(c.kind, c.method) for c in checks] == [("postgres", "login"), ("redis", "login")]
    assert checks[0].env["password"] == "POSTGRES_PASSWORD"
