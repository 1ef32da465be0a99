"""What a new user met on public apps: a compose service with an underscore, an old Python, a hard-coded Redis host,
and validate building the app's own Dockerfile."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from builder.cli import main
from builder.project import load_project


def _app(root: Path) -> Path:
    root.mkdir()
    (root / "app.py").write_text("from flask import Flask\nfrom redis import Redis\n\napp = Flask(__name__)\n"
                                 "cache = Redis(host='redis')\n")
    (root / "requirements.txt").write_text("flask\nredis\n")
    (root / "runtime.txt").write_text("python-3.4.9\n")
    (root / "docker-compose.yml").write_text(yaml.safe_dump({"services": {
        "web": {"build": ".", "command": "gunicorn app:app"},
        "my_worker": {"build": ".", "command": "python worker.py"},
        "redis": {"image": "redis:7"}}}))
    return root


def test_init_takes_a_compose_service_with_an_underscore_and_an_old_python(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    root = _app(tmp_path / "app")
    assert main(["init", str(root)]) == 0, capsys.readouterr()
    spec = yaml.safe_load((root / "builder.yaml").read_text())
    assert spec["python"] == "3.11"  # the nearest version with a local base image
    assert "my-worker" in spec.get("processes", {})


def test_builders_readiness_checks_a_service_the_app_reaches_by_its_host_name(tmp_path: Path) -> None:
    root = _app(tmp_path / "app")
    assert main(["init", str(root)]) == 0
    health = load_project(root).plan.health
    assert health.provider == "builder"
    assert [(c.kind, c.host, c.port) for c in health.checks] == [("redis", "redis", 6379)]
