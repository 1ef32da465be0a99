"""Byte streams from the engine as files, so tarfile can read an export or a save without a temp file."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any


class ChunkReader(io.RawIOBase):
    """A file-like view of the byte chunks the docker SDK streams (`container.export()`, `image.save()`)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]  # a view: no copy of the rest of the chunk
        return size
