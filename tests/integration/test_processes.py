"""Workers, cron jobs, Django and a SQLite data path, each a real golden app built and validated for real; a broken
variant of each fails the check that names its mistake; nothing is left behind."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import build_image
from builder.errors import BuildFailed
from builder.project import load_project
from builder.validate.report import ValidationReport, report_table
from builder.validate.runner import validate_image
from tests.integration.test_validate import leftovers

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden"

Validate = Callable[[str], ValidationReport]


@pytest.fixture
def golden_copy(tmp_path: Path, docker_client: Any, python_stand_in: None,
                test_ca: tuple[Path, str]) -> Iterator[Callable[[str], tuple[Path, Validate]]]:
    """A scratch copy of a golden app, and a function that builds it as it is on disk and validates the image."""
    tags: list[str] = []
    apps: list[str] = []

    def copy(name: str) -> tuple[Path, Validate]:
        root = tmp_path / name
        shutil.copytree(GOLDEN / name, root, ignore=shutil.ignore_patterns("__pycache__"))

        def validate(tag_suffix: str) -> ValidationReport:
            plan = load_project(root).plan
            apps.append(plan.app_name)
            tag = f"builder-test/{name}-{tag_suffix}:latest"
            tags.append(tag)
            build_image(plan, root, docker_client, tag=tag, ca_cert=test_ca[0])
            return validate_image(plan, tag, docker_client)

        return root, validate

    yield copy
    for tag in tags:
        if docker_client.images.list(name=tag):
            docker_client.images.remove(tag, force=True)
    for app in apps:  # this test's apps only: other runs may share the engine
        assert leftovers(docker_client, app) == []


def verdicts(report: ValidationReport) -> dict[str, str]:
    return {check.name: check.verdict for check in report.checks}


EXPECTED = {
    "django-whitenoise": ["release: python manage.py migrate --noinput", "readiness GET /_builder/ready",
                          "smoke GET /static/notes.css", "django check --deploy", "postgres restart", "SIGTERM"],
    "flask-rq": ["worker worker healthy", "worker worker consumes a job", "worker worker SIGTERM",
                 "cron nightly runs once", "redis stopped", "SIGTERM"],
    "celery-beat": ["worker worker healthy", "worker worker consumes a job", "worker beat healthy",
                    "worker worker SIGTERM", "worker beat SIGTERM", "redis stopped"],
    "flask-sqlite": ["release: python -m notes.init_db", "readiness GET /ready", "smoke POST /api/notes",
                     "smoke GET /api/notes"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_app_passes_validate_with_nothing_skipped(golden_copy: Any, name: str) -> None:
    _, validate = golden_copy(name)
    report = validate("ok")
    # A stand-in of another major version is a warning (validate --strict fails on it), not a skip.
    assert report.verdict == ("passed with warnings" if report.warnings else "passed"), report_table(report)
    found = verdicts(report)
    for check in EXPECTED[name]:
        assert found.get(check) == "PASS", (check, report_table(report))


def test_a_worker_that_never_consumes_fails_its_job_check(golden_copy: Any) -> None:
    root, validate = golden_copy("flask-rq")
    spec = root / "builder.yaml"
    spec.write_text(spec.read_text().replace("rq worker --url $REDIS_URL default", "rq worker --url $REDIS_URL other"))
    report = validate("idle")
    found = verdicts(report)
    assert found["worker worker healthy"] == "PASS"
    assert found["worker worker consumes a job"] == "FAIL", report_table(report)
    assert "queued" in next(c.seen for c in report.checks if c.name == "worker worker consumes a job")


def test_django_with_debug_on_fails_check_deploy(golden_copy: Any) -> None:
    root, validate = golden_copy("django-whitenoise")
    spec = root / "builder.yaml"
    spec.write_text(spec.read_text().replace('DJANGO_DEBUG: "false"', 'DJANGO_DEBUG: "true"'))
    report = validate("debug")
    assert verdicts(report)["django check --deploy"] == "FAIL"
    assert "security.W018" in next(c.seen for c in report.checks if c.name == "django check --deploy")


def test_django_without_static_root_fails_at_collectstatic(golden_copy: Any) -> None:
    root, validate = golden_copy("django-whitenoise")
    settings = root / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace('STATIC_ROOT = BASE_DIR / "staticfiles"\n', ""))
    with pytest.raises(BuildFailed) as failed:
        validate("nostatic")
    assert "STATIC_ROOT" in str(failed.value.message)


def test_a_writable_path_the_release_cannot_write_fails_the_release(golden_copy: Any) -> None:
    root, validate = golden_copy("flask-sqlite")
    spec = root / "builder.yaml"
    text = spec.read_text().replace("writable_paths:\n  - /app/data\n", "").replace(
        "  disk: {path: /app/data, size_gb: 1}\n", "")
    spec.write_text(text)
    report = validate("readonly")
    release = next(c for c in report.checks if c.name.startswith("release:"))
    assert release.verdict == "FAIL"
    assert "unable to open database file" in release.seen


@pytest.mark.parametrize("name", ["flask-rq", "flask-sqlite"])
def test_compose_stack_of_workers_and_data_paths_comes_up_and_keeps_its_data(
        golden_copy: Any, docker_client: Any, test_ca: tuple[Path, str], name: str) -> None:
    from builder.validate.compose import find_compose_tool, validate_compose

    find_compose_tool()  # ToolMissing is a failure here: `make test` installs Compose v2 with the dev extra
    root, _ = golden_copy(name)
    plan = load_project(root).plan
    tag = f"builder-test/{name}-compose:latest"
    build_image(plan, root, docker_client, tag=tag, ca_cert=test_ca[0])
    try:
        report = validate_compose(plan, root, tag, docker_client)
    finally:
        docker_client.images.remove(tag, force=True)
    found = verdicts(report)
    assert found["stack healthy"] == "PASS", report.to_json()
    assert report.passed, report.to_json()
    if name == "flask-sqlite":  # the row the release's file holds comes back after the containers are replaced
        assert found["row kept across restart"] == "PASS", report.to_json()
