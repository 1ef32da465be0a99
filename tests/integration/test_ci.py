"""`builder ci` against a real registry on 127.0.0.1: push, a fresh runner's rebuild from the registry cache, and
failing steps with their own exit codes and a job summary all the same."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_registry import local_registry, tags

REPO = Path(__file__).resolve().parents[2]
BUILDER = [sys.executable, "-m", "builder"]
SECRET = f"s3cret-{uuid.uuid4().hex}"
SYSTEM_CA = Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    with local_registry() as address:
        yield address


def git(root: Path, *argv: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *argv], cwd=root, check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def app(tmp_path: Path, python_stand_in: None) -> Path:
    """app_sample under a name of its own (so removing "every image of the app" touches no other test's), committed
    to a git repository on branch `main`, as a CI checkout is."""
    root = tmp_path / "app"
    shutil.copytree(REPO / "app_sample", root, ignore=shutil.ignore_patterns("__pycache__", "builder-ci"))
    spec = root / "builder.yaml"
    spec.write_text(spec.read_text().replace("name: gradebook", f"name: ci-{uuid.uuid4().hex[:8]}"))
    unique_lock(root)
    subprocess.run([*BUILDER, "--spec", str(root), "generate"], check=True, capture_output=True, timeout=120)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "app")
    return root


def unique_lock(root: Path) -> None:
    """A lock comment of this run's own (outside the pins and the stamp, so `lock --check` still passes): the lock is
    the dependency layer's input, so no other build on this engine made that layer and only the registry can hold it."""
    lock = root / "requirements.lock"
    lines = lock.read_text().splitlines(keepends=True)
    assert lines[3].startswith("# unpacked on the target"), lines[3]
    lines[3] = f"# ci test run {uuid.uuid4().hex}\n"
    lock.write_text("".join(lines))


def name_of(app: Path) -> str:
    return re.search(r"^name: (\S+)", (app / "builder.yaml").read_text(), re.M).group(1)  # type: ignore[union-attr]


def ci(app: Path, *argv: str, summary: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_"))}
    env |= {"GITHUB_STEP_SUMMARY": str(summary), "BUILDER_REGISTRY_USER": "ci", "BUILDER_REGISTRY_PASSWORD": SECRET}
    if SYSTEM_CA.is_file():  # as the Makefile does: installs in the build work behind a TLS-intercepting proxy
        env.setdefault("BUILDER_CA_CERT", str(SYSTEM_CA))
    return subprocess.run([*BUILDER, "--spec", str(app), "ci", *argv], capture_output=True, text=True, env=env,
                          timeout=1200, check=False)


def remove_every_image_of(client: Any, app: Path, repository: str) -> None:
    """What a fresh CI runner has: none of the app's images, and no BuildKit cache."""
    images = client.images.list(name=name_of(app)) + client.images.list(name=repository)
    for image_id in dict.fromkeys(image.id for image in images):
        client.images.remove(image_id, force=True)
    subprocess.run(["docker", "builder", "prune", "--all", "--force"], check=True, capture_output=True, timeout=300)


def dependency_step_cached(log: str) -> bool:
    """Whether the builder stage's install from the lock came from the cache, as BuildKit's plain log says it."""
    step = re.search(r"#(\d+) \[builder \d+/\d+\] RUN .*--require-hashes", log)
    assert step, "the dependency install step is not in the build log"
    return f"#{step.group(1)} CACHED" in log


def test_push_then_a_fresh_runner_reuses_the_dependency_layer(app: Path, registry: str, docker_client: Any,
                                                              tmp_path: Path) -> None:
    repository = f"{registry}/{name_of(app)}"
    summary = tmp_path / "summary.md"
    first = ci(app, "--image", repository, "--push", summary=summary)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert not dependency_step_cached(first.stderr), "the first build must install the dependencies itself"
    sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=app, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert tags(registry, name_of(app)) == sorted([sha, "main"])
    assert "**all steps passed**" in summary.read_text() and f"`{repository}:main`" in summary.read_text()
    for name in ("lint.sarif", "scan.sarif", "sbom.cdx.json", "junit.xml", "summary.md"):
        assert (app / "builder-ci" / name).is_file(), name
    history = subprocess.run(["docker", "history", "--no-trunc", f"{repository}:main"], capture_output=True,
                             text=True, check=True).stdout
    inspect = subprocess.run(["docker", "inspect", f"{repository}:main"], capture_output=True, text=True).stdout
    assert SECRET not in first.stdout + first.stderr + history + inspect + summary.read_text()

    remove_every_image_of(docker_client, app, repository)
    wsgi = app / "gradebook" / "wsgi.py"
    wsgi.write_text(wsgi.read_text() + "# a one-line change\n")
    git(app, "commit", "-qam", "change")
    second = ci(app, "--image", repository, "--skip", "lint", "--skip", "scan", "--skip", "validate",
                summary=tmp_path / "again.md")
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    assert f"cache from {repository}:main" in second.stdout
    assert dependency_step_cached(second.stderr), second.stderr[-4000:]
    assert re.search(r"\[runtime \d+/\d+\] COPY \. /app\n(?!.*CACHED)", second.stderr), "the code change is rebuilt"


def test_a_lint_finding_stops_ci_with_its_code_and_the_summary_appears(app: Path, tmp_path: Path) -> None:
    (app / "Dockerfile.worker").write_text("FROM python:latest\nRUN pip install celery\nCMD celery worker\n")
    summary = tmp_path / "summary.md"
    done = ci(app, "--skip", "scan", summary=summary)
    assert done.returncode == 13, done.stdout + done.stderr[-3000:]
    text = summary.read_text()
    assert "**failed: lint** (exit 13)" in text
    assert "| validate | ⏭️ skipped | 0.0 s | not run: lint failed |" in text
    assert '<testcase classname="builder ci" name="lint"' in (app / "builder-ci" / "junit.xml").read_text()
    assert "Dockerfile.worker" in (app / "builder-ci" / "lint.sarif").read_text()


def test_a_failed_validate_has_its_own_code_and_junit_case(app: Path, tmp_path: Path) -> None:
    spec = app / "builder.yaml"
    spec.write_text(spec.read_text().replace("status: 201, body_contains: Ada", "status: 201, body_contains: Grace"))
    summary = tmp_path / "summary.md"
    done = ci(app, "--skip", "lint", "--skip", "scan", summary=summary)
    assert done.returncode == 15, done.stdout + done.stderr[-3000:]
    assert "**failed: validate** (exit 15)" in summary.read_text()
    junit = (app / "builder-ci" / "junit.xml").read_text()
    assert re.search(r'name="smoke POST /api/students" time="[\d.]+">\s*<failure message="expected: ', junit), junit
