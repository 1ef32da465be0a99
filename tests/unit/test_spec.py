"""Spec errors: each mistake gets one clear error with file, line, field and hint; the CLI never shows a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.cli import EXIT_USER_ERROR, main
from builder.errors import SpecError
from builder.load import SpecInvalid, load_spec

VALID = """\
name: shop
app:
  module: shop.wsgi:app
health:
  liveness: /health
"""


def write_spec(tmp_path: Path, text: str) -> Path:
    (tmp_path / "shop").mkdir(exist_ok=True)
    (tmp_path / "shop" / "wsgi.py").write_text("app = None\n")
    (tmp_path / "requirements.txt").write_text("flask==3.1.3\n")
    (tmp_path / "builder.yaml").write_text(text)
    return tmp_path


def problem(tmp_path: Path, text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, text))
    assert not isinstance(caught.value, SpecInvalid), "expected exactly one problem"
    return caught.value


def test_valid_spec_loads_with_defaults(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, VALID)).spec
    assert (spec.name, spec.python, spec.port, spec.app.kind) == ("shop", "3.11", 8000, "wsgi")


def test_unknown_key_names_line_field_and_suggests(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("  module:", "  modul: x\n  module:"))
    assert err.message == "unknown key `modul`"
    assert (err.line, err.field) == (3, "app.modul")
    assert err.hint == "did you mean `module`?"
    assert err.file == tmp_path / "builder.yaml"


def test_wrong_type(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "port: eighty\n")
    assert (err.line, err.field) == (6, "port")
    assert "valid integer" in err.message


def test_bad_module_path_syntax(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("shop.wsgi:app", "shop/wsgi.py"))
    assert err.field == "app.module"
    assert err.message == "`module` has an invalid value 'shop/wsgi.py'"
    assert "package.module:callable" in err.hint


def test_module_that_does_not_exist(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("shop.wsgi:app", "shop.wsig:app"))
    assert (err.field, err.line) == ("app.module", 3)
    assert "module shop.wsig not found" in err.message


def test_missing_health_path(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("  liveness: /health\n", "  readiness: /ready\n"))
    assert err.message == "missing required key `liveness`"
    assert (err.field, err.line) == ("health.liveness", 4)


def test_health_path_must_be_a_path(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("/health", "health"))
    assert err.field == "health.liveness" and "starting with /" in err.hint


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "server: [unclosed\n")
    assert "not valid YAML" in err.message and err.line is not None and err.line >= 6


def test_env_needs_exactly_one_source(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "env:\n  TOKEN: {value: x, secret: true}\n")
    assert (err.field, err.line) == ("env.TOKEN", 7)
    assert "exactly one of" in err.message


def test_env_from_undeclared_service(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "env:\n  DATABASE_URL: {from: postgres}\n")
    assert err.field == "env.DATABASE_URL.from"
    assert "add services.postgres" in err.hint


def test_asgi_on_a_wsgi_worker(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID.replace("app:\n", "app:\n  kind: asgi\n") + "server:\n  worker_class: gthread\n")
    assert err.field == "server.worker_class" and "uvicorn" in err.hint


def test_graceful_timeout_must_fit_the_shutdown_delay(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "server:\n  graceful_timeout: 40\n")
    assert err.field == "server.graceful_timeout" and "below 30" in err.hint


def test_missing_requirements_file(tmp_path: Path) -> None:
    write_spec(tmp_path, VALID)
    (tmp_path / "requirements.txt").unlink()
    with pytest.raises(SpecError) as caught:
        load_spec(tmp_path)
    assert (caught.value.field, caught.value.message) == ("dependencies.source", "no dependency input found")
    assert "requirements.txt" in caught.value.hint


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(SpecInvalid) as caught:
        load_spec(write_spec(tmp_path, VALID + "port: 0\nbogus: 1\n"))
    assert {p.field for p in caught.value.problems} == {"port", "bogus"}


def test_cli_shows_error_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_spec(tmp_path, VALID.replace("  module:", "  modul: x\n  module:"))
    code = main(["--spec", str(tmp_path), "plan"])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert "error: unknown key `modul`" in err
    assert f"--> {tmp_path / 'builder.yaml'}:3 (app.modul)" in err
    assert "hint: did you mean `module`?" in err
    assert "Traceback" not in err


def test_cli_without_a_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(tmp_path), "generate"]) == EXIT_USER_ERROR
    assert "no builder.yaml found" in capsys.readouterr().err


def test_schema_is_json_schema_with_aliases(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    assert "from" in schema["$defs"]["EnvVar"]["properties"]
    assert set(schema["required"]) == {"name", "app"}


def test_a_typo_is_one_error_not_two(tmp_path: Path) -> None:
    """`modul` instead of `module`: the suggestion says it all; no second "missing `module`"."""
    err = problem(tmp_path, VALID.replace("  module:", "  modul:"))
    assert (err.message, err.hint) == ("unknown key `modul`", "did you mean `module`?")


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "server:\n  threads: 4\n  threads: 8\n")
    assert (err.message, err.line, err.field) == ("`threads` is set twice (first on line 7)", 8, "server.threads")


def test_unquoted_versions_that_yaml_keeps_are_accepted(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, VALID + "python: 3.13\nservices:\n  postgres: {version: 16}\n")).spec
    assert (spec.python, spec.services.postgres and spec.services.postgres.version) == ("3.13", "16")


def test_unquoted_version_that_yaml_mangles_says_to_quote(tmp_path: Path) -> None:
    err = problem(tmp_path, VALID + "python: 3.10\n")
    assert err.field == "python" and "write it in quotes" in err.hint and "3.10 becomes 3.1" in err.hint


def test_yaml_booleans_keep_their_yaml_spelling(tmp_path: Path) -> None:
    spec = load_spec(write_spec(tmp_path, VALID + "env:\n  DEBUG: false\n  WORKERS: 3\n")).spec
    assert (spec.env["DEBUG"].value, spec.env["WORKERS"].value) == ("false", "3")


def test_a_render_disk_with_more_than_one_instance_is_refused(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(__file__).resolve().parents[1] / "golden" / "flask-sqlite"
    shutil.copytree(source, tmp_path / "app")
    spec = tmp_path / "app" / "builder.yaml"
    spec.write_text(spec.read_text().replace("  plan: starter\n", "  plan: starter\n  num_instances: 2\n"))
    assert main(["--spec", str(tmp_path / "app"), "plan"]) == 2
    err = capsys.readouterr().err
    assert "pins the service to one instance" in err and "(render.disk)" in err
