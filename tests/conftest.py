"""Shared fixtures. Integration tests use the real engine; with CI=true a missing engine fails them, never skips."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "app_sample"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """app_sample copied to a temp dir, so a test may change it freely."""
    target = tmp_path / "app_sample"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    return target


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    from builder.engine import engine_client
    from builder.errors import BuilderError

    try:
        with engine_client() as client:
            yield client
    except BuilderError as exc:
        reason = f"no Docker engine: {exc.message} ({exc.hint})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
