"""Integration fixtures: stand-in bases and one build of app_sample, shared by the session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder.build import BuildResult, build_image
from builder.plan import BuildPlan
from builder.project import load_project
from builder.standins import build_stand_in
from builder.uv_image import build_uv_stand_in, uv_image
from builder.variants import UV_VERSION

REPO = Path(__file__).resolve().parents[2]
CACHE = Path.home() / ".cache" / "builder" / "bases"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def python_stand_in(docker_client: Any) -> None:
    """The Python base, built from Debian once per machine (later runs reuse it), and uv's image."""
    plan = load_project(REPO / "app_sample").plan
    build_stand_in(docker_client, plan.base, "python", cache_dir=CACHE)
    build_uv_stand_in(docker_client, uv_image(UV_VERSION), cache_dir=CACHE)


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A throwaway CA certificate and one line of it that must never show up in an image."""
    folder = tmp_path_factory.mktemp("ca")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=builder test proxy CA", "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.pem")],
                   check=True, capture_output=True, timeout=60)
    marker = (folder / "ca.pem").read_text().splitlines()[5]
    return folder / "ca.pem", marker


@pytest.fixture(scope="session")
def sample_build(docker_client: Any, python_stand_in: None, test_ca: tuple[Path, str],
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, BuildPlan, Path]:
    """app_sample built once, from a copy, with the extra CA passed as a BuildKit secret."""
    root = tmp_path_factory.mktemp("build") / "app_sample"
    shutil.copytree(REPO / "app_sample", root, ignore=shutil.ignore_patterns("__pycache__"))
    plan = load_project(root).plan
    result = build_image(plan, root, docker_client, tag="builder-test/gradebook:session", ca_cert=test_ca[0])
    return result, plan, root
