"""Errors of `builder lock`. All are BuilderErrors, so the CLI renders them with their hint and place."""

from __future__ import annotations

from dataclasses import dataclass

from builder.errors import BuilderError


class LockInputError(BuilderError):
    """The dependency input is missing, unreadable, or asks for something a hashed lock cannot hold."""


class ResolutionFailed(BuilderError):
    """uv found no set of versions that satisfies the input for the target."""


@dataclass
class IncompatiblePins(BuilderError):
    """Pins that cannot be installed on the image's Python; one problem each, reported together."""

    problems: tuple[BuilderError, ...] = ()
