"""`builder validate` for real: app_sample passes every check, broken variants fail the right one, nothing is left."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import BuildResult, build_image
from builder.containers import LABEL_APP, LABEL_PURPOSE
from builder.errors import ToolMissing
from builder.plan import BuildPlan
from builder.project import load_project
from builder.validate.report import ValidationReport
from builder.validate.runner import validate_image

Build = tuple[BuildResult, BuildPlan, Path]
VALIDATE = f"{LABEL_PURPOSE}=validate"  # what every validation run labels
ALL_CHECKS = [
    "release: alembic upgrade head", "app starts", "healthcheck healthy", "non-root user", "liveness GET /health",
    "readiness GET /ready", "smoke POST /api/students", "smoke GET /api/students", "postgres restart",
    "redis stopped", "SIGTERM",
]


def leftovers(client: Any, app: str | None = None) -> list[str]:
    """Everything any validation run (of `app`, when given) labelled that still exists."""
    selector = {"label": [VALIDATE, f"{LABEL_APP}={app}"] if app else VALIDATE}
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters=selector)]
    found += [f"network {n.name}" for n in client.networks.list(filters=selector)]
    return found + [f"volume {v.name}" for v in client.volumes.list(filters=selector)]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "builder", *args]


def verdicts(report: ValidationReport) -> dict[str, str]:
    return {check.name: check.verdict for check in report.checks}


def seen(report: ValidationReport, name: str) -> str:
    return next(check.seen for check in report.checks if check.name == name)


@pytest.fixture
def variant(docker_client: Any, python_stand_in: None, sample_copy: Path,
            test_ca: tuple[Path, str]) -> Iterator[tuple[Path, Any]]:
    """A copy of app_sample to break, and a function that builds it (files on disk as they are) to a throwaway tag."""
    tags: list[str] = []

    def build(name: str) -> str:
        tag = f"builder-test/validate-{name}:latest"
        build_image(load_project(sample_copy).plan, sample_copy, docker_client, tag=tag, ca_cert=test_ca[0])
        tags.append(tag)
        return tag

    yield sample_copy, build
    for tag in tags:
        docker_client.images.remove(tag, force=True)
    assert leftovers(docker_client) == []


def test_app_sample_passes_every_check(docker_client: Any, sample_build: Build) -> None:
    result, _, root = sample_build
    done = subprocess.run(cli("--spec", str(root), "validate", "--image", result.tag, "--json"),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert [(c["name"], c["verdict"]) for c in report["checks"]] == [(name, "pass") for name in ALL_CHECKS]
    assert report["port"] not in (8000, 10000)
    timed = {c["name"]: c["seconds"] for c in report["checks"]}
    assert all(isinstance(timed[name], float) for name in ("healthcheck healthy", "postgres restart", "SIGTERM"))
    postgres = next(s for s in report["services"] if s["kind"] == "postgres")
    if postgres["stand_in"]:  # no registry here: the stand-in is on record, and it runs the version asked for
        assert (postgres["image"], postgres["mismatch"]) == ("builder-local/postgres:15-bookworm", "")
    assert "starting postgres" in done.stderr and "checking SIGTERM" in done.stderr
    assert leftovers(docker_client) == []


def test_an_interrupted_run_leaves_nothing_behind(docker_client: Any, sample_build: Build) -> None:
    result, _, root = sample_build
    with subprocess.Popen(cli("--spec", str(root), "validate", "--image", result.tag), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        deadline = time.monotonic() + 120
        while len(docker_client.containers.list(filters={"label": VALIDATE})) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)  # Postgres, Redis, and the release or app container
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert leftovers(docker_client) == []


def test_an_image_that_does_not_exist_is_a_user_error(sample_build: Build) -> None:
    done = subprocess.run(cli("--spec", str(sample_build[2]), "validate", "--image", "builder-test/nothing:here"),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "image builder-test/nothing:here not found" in done.stderr and "builder build" in done.stderr


def test_a_missing_requirement_fails_app_start_with_the_import_error(docker_client: Any,
                                                                     variant: tuple[Path, Any]) -> None:
    root, build = variant
    # Whatever file feeds the dependency layer (requirements or a hashed lock), without redis and its hashes.
    requirements = root / load_project(root).plan.builder.requirements
    requirements.write_text(re.sub(r"(?m)^redis==.*(\n[ \t]+(--hash|#).*)*\n", "", requirements.read_text()))
    assert "redis==" not in requirements.read_text()
    report = validate_image(load_project(root).plan, build("no-redis"), docker_client)
    assert verdicts(report)["app starts"] == "FAIL"
    assert "No module named 'redis'" in seen(report, "app starts")
    assert "No module named 'redis'" in seen(report, "release: alembic upgrade head")
    assert verdicts(report)["liveness GET /health"] == "SKIP"
    # The log's tail is attached; with two workers' tracebacks the import error itself may be above it.
    assert any("redis" in line or "Worker failed to boot" in line for line in report.app_log), report.app_log


def test_an_app_on_127_0_0_1_running_as_root_fails_liveness_and_user(docker_client: Any,
                                                                     variant: tuple[Path, Any]) -> None:
    root, build = variant
    conf = root / "gunicorn.conf.py"
    conf.write_text(conf.read_text().replace('bind = f"0.0.0.0:', 'bind = f"127.0.0.1:'))
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("USER 10001:10001\n", ""))
    tag = build("loopback-root")
    done = subprocess.run(cli("--spec", str(root), "validate", "--image", tag), capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    # The HEALTHCHECK probes 127.0.0.1 inside the container, so it cannot see this; a request from outside does.
    assert re.search(r"PASS  healthcheck healthy", out)
    assert "FAILED: liveness GET /health" in out and "no answer" in out
    assert "FAILED: non-root user" in out and "PID 1 uid 0" in out
    assert re.search(r"SKIP  readiness GET /ready .* not run: the app does not answer on PORT", out)
    assert "last lines of the app's log:" in out and "Listening at: http://127.0.0.1:" in out


def test_a_failing_migration_and_an_app_ignoring_sigterm_fail_release_and_sigterm(
        docker_client: Any, variant: tuple[Path, Any]) -> None:
    root, build = variant
    (root / "migrations" / "versions" / "0002_broken.py").write_text(
        '"""A migration that cannot work on an empty database."""\nfrom alembic import op\n\n'
        'revision = "0002"\ndown_revision = "0001"\nbranch_labels = None\ndepends_on = None\n\n\n'
        'def upgrade() -> None:\n    op.execute("UPDATE no_such_table SET x = 1")\n\n\n'
        'def downgrade() -> None:\n    pass\n')
    dockerfile = root / "Dockerfile"
    # A shell as PID 1 does not pass SIGTERM on to gunicorn: the classic shell-form CMD mistake.
    cmd = 'CMD ["gunicorn", "--config", "/app/gunicorn.conf.py", "gradebook.wsgi:app"]'
    dockerfile.write_text(dockerfile.read_text().replace(
        cmd, 'CMD ["sh", "-c", "gunicorn --config /app/gunicorn.conf.py gradebook.wsgi:app; echo gunicorn ended"]'))
    report = validate_image(load_project(root).plan, build("bad-release-no-sigterm"), docker_client)
    results = verdicts(report)
    assert results["release: alembic upgrade head"] == "FAIL"
    assert "no_such_table" in seen(report, "release: alembic upgrade head")
    assert results["liveness GET /health"] == "PASS"
    assert results["SIGTERM"] == "FAIL"
    assert "ignores the signal" in seen(report, "SIGTERM")


def test_compose_stack_keeps_a_row_in_its_named_volume(docker_client: Any, sample_build: Build) -> None:
    from builder.validate.compose import find_compose_tool, validate_compose

    try:
        find_compose_tool()
    except ToolMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {exc.message} ({exc.hint})")
        pytest.skip(exc.message)
    result, _, root = sample_build
    volumes = {v.name for v in docker_client.volumes.list()}
    report = validate_compose(load_project(root).plan, root, result.tag, docker_client)
    assert verdicts(report) == {"stack healthy": "PASS", "readiness GET /ready": "PASS",
                                "write a row: POST /api/students": "PASS", "stack restarted": "PASS",
                                "row kept across restart": "PASS"}, report.to_json()
    assert "Ada Lovelace" in seen(report, "row kept across restart")
    # The write's own text, not the read's body_contains ("Ada"), is what must come back.
    row = next(c for c in report.checks if c.name == "row kept across restart")
    assert "'Ada'" not in row.expected and "Ada" in row.expected
    assert leftovers(docker_client) == []
    # Anonymous volumes carry no labels: none may be orphaned when containers are replaced mid-run.
    assert {v.name for v in docker_client.volumes.list()} - volumes == set()
