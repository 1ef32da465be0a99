"""`builder doctor --image`: writable paths checked inside real images, as their non-root user, never as root."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builder.build import BuildResult
from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.containers import LABEL_PURPOSE
from builder.plan import BuildPlan

STAND_IN = "builder-local/python:3.11-slim-bookworm"
# /app/data belongs to the app's user, /app/locked to root; /app/db (for the SQLite file) does not exist at all.
NON_ROOT = f"""FROM {STAND_IN}
RUN mkdir -p /app/data /app/locked && chown 10001:10001 /app/data
USER 10001:10001
"""
AS_ROOT = f"FROM {STAND_IN}\n"
SPEC = """\
name: probe
app: {module: "probe.wsgi:app"}
health: {liveness: /health}
writable_paths: [/app/data, /app/locked]
env:
  NOTES_DB: /app/db/notes.sqlite3
"""


@pytest.fixture(scope="module")
def images(docker_client: Any, python_stand_in: None) -> Iterator[dict[str, str]]:
    """Two tiny images on the Python stand-in: one with a non-root user, one that runs as root."""
    tags = {"non_root": "doctor-test/non-root:1", "root": "doctor-test/root:1"}
    try:
        for key, text in (("non_root", NON_ROOT), ("root", AS_ROOT)):
            docker_client.images.build(fileobj=io.BytesIO(text.encode()), tag=tags[key], rm=True, forcerm=True)
        yield tags
    finally:
        for tag in tags.values():
            if docker_client.images.list(name=tag):
                docker_client.images.remove(tag, force=True)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "wsgi.py").write_text("app = None\n")
    (tmp_path / "requirements.txt").write_text("flask==3.1.3\ngunicorn==27.0.1\n")
    (tmp_path / "builder.yaml").write_text(SPEC)
    return tmp_path


def doctor_json(capsys: pytest.CaptureFixture[str], app: Path, image: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["--spec", str(app), "doctor", "--no-environ", "--json", "--image", image])
    return code, json.loads(capsys.readouterr().out)["findings"]


def probe_containers(client: Any) -> list[Any]:
    return list(client.containers.list(all=True, filters={"label": f"{LABEL_PURPOSE}=doctor"}))


def test_paths_the_app_user_cannot_write_are_found(capsys: pytest.CaptureFixture[str], docker_client: Any,
                                                   images: dict[str, str], app: Path) -> None:
    code, found = doctor_json(capsys, app, images["non_root"])
    unwritable = {f["message"].split(", ", 1)[1].split(" (")[0]: f for f in found if f["id"] == "DOC-FILES-003"}
    assert code == EXIT_FAILED
    assert sorted(unwritable) == ["/app/db", "/app/locked"]
    assert "is not writable for the app's user 10001:10001" in unwritable["/app/locked"]["message"]
    assert (unwritable["/app/locked"]["file"], unwritable["/app/locked"]["line"]) == ("builder.yaml", 4)
    assert "does not exist" in unwritable["/app/db"]["message"]
    assert "NOTES_DB" in unwritable["/app/db"]["message"]
    assert probe_containers(docker_client) == []


def test_an_image_that_runs_as_root_is_not_run(capsys: pytest.CaptureFixture[str], docker_client: Any,
                                               images: dict[str, str], app: Path) -> None:
    since = int(time.time()) - 1
    code, found = doctor_json(capsys, app, images["root"])
    assert code == EXIT_FAILED
    assert [f["message"] for f in found if f["id"] == "DOC-FILES-004"] == [
        f"{images['root']} runs as root, so doctor did not run it: it checks writable paths only as the non-root "
        "user the app runs as"]
    assert not [f for f in found if f["id"] == "DOC-FILES-003"]
    created = docker_client.events(since=since, until=int(time.time()) + 1, decode=True,
                                   filters={"type": "container", "event": "create", "image": images["root"]})
    assert list(created) == []


def test_app_sample_image_passes(capsys: pytest.CaptureFixture[str], docker_client: Any,
                                 sample_build: tuple[BuildResult, BuildPlan, Path]) -> None:
    result, _, root = sample_build
    code = main(["--spec", str(root), "doctor", "--no-environ", "--image", result.image_id])
    assert (code, capsys.readouterr().out) == (EXIT_OK, "no findings\n")
    assert probe_containers(docker_client) == []
