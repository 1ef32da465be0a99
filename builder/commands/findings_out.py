"""What lint, scan and doctor share: the spec's ignore list, and where SARIF locates their findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.sarif import Locator
    from builder.spec import AppSpec, IgnoreEntry

ORDER = 99  # no commands of its own


def register(commands: object) -> None:
    """Nothing to add: a helper for the quality and doctor commands."""


@dataclass(frozen=True)
class FindingsContext:
    spec_path: Path | None = None
    ignore: Sequence[IgnoreEntry] = ()
    images: dict[str, Path] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.spec_path.parent if self.spec_path else Path.cwd()

    def locator(self, base: Path) -> Locator:
        from builder.sarif import locator

        return locator(base=base, images=self.images, fallback=self.spec_path)


def spec_context(spec: AppSpec | None, spec_path: Path | None, image: str | None) -> FindingsContext:
    """An image's findings point at the Dockerfile it is built from, when the spec names one that exists."""
    images: dict[str, Path] = {}
    if spec is not None and spec_path is not None and image:
        dockerfile = spec_path.parent / spec.dockerfile
        images[image] = dockerfile if dockerfile.is_file() else spec_path
    return FindingsContext(spec_path=spec_path, ignore=tuple(spec.ignore) if spec else (), images=images)


def optional_spec_context(start: Path, image: str | None) -> FindingsContext:
    """lint and scan run without a spec too: then nothing is ignored and image findings point nowhere in particular."""
    from builder.errors import SpecError
    from builder.load import find_spec, load_spec

    try:
        path = find_spec(start)
    except SpecError:
        return FindingsContext(images={image: Path(image)} if image else {})
    loaded = load_spec(path)
    return spec_context(loaded.spec, loaded.path, image)
