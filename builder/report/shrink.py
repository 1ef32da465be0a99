"""What the build's shrinking steps saved, as builder_image.py recorded it inside the image (no shell needed: the
record is read from a created, never started, container)."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

from docker.errors import APIError, NotFound

from builder.containers import Run, throwaway
from builder.report.model import ShrinkStep

RECORD = "builder-shrink.json"


def measure_shrink(client: Any, image: str, venv: str) -> list[ShrinkStep]:
    """Each shrinking step's files and bytes saved; empty for an image built without them."""
    with throwaway(client, image, run=Run("report"), what="shrink", command=["/nonexistent"], entrypoint=[],
                   network_disabled=True) as container:
        try:
            chunks, _ = container.get_archive(f"{venv}/{RECORD}")
        except (NotFound, APIError):
            return []
        raw = _only_member(b"".join(chunks))
    return parse_shrink(raw) if raw else []


def parse_shrink(raw: bytes) -> list[ShrinkStep]:
    try:
        steps = json.loads(raw)
        return [ShrinkStep(str(s["step"]), int(s["files"]), int(s["bytes_saved"])) for s in steps]
    except (ValueError, KeyError, TypeError):
        return []


def _only_member(archive: bytes) -> bytes | None:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        member = next((m for m in tar.getmembers() if m.isfile()), None)
        handle = tar.extractfile(member) if member else None
        return handle.read() if handle else None
