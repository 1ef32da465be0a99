"""Base images: official names and their local stand-ins (built by builder.standins), and which one a build uses."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from builder.errors import BuilderError, SpecError, engine_words

if TYPE_CHECKING:  # the docker SDK loads in a quarter second: commands that plan but never build skip it
    import docker

LOCAL_PREFIX = "builder-local/"


@dataclass(frozen=True)
class DebianSuite:
    """A Debian suite and the Python it ships; each service module says which of its versions a suite ships."""

    name: str
    python: str
    official: str = ""  # the suite in the official image's tag, when it is not this one (python:3.14-slim-trixie)

    @property
    def tag_suite(self) -> str:
        return self.official or self.name


# What deb.debian.org carries (apt-cache policy, main + -security): bookworm python3 3.11.2,
# trixie python3 3.13.5, forky (testing) python3 3.14.7 (the services' versions are in
# builder/services). No suite has Python 3.10 or 3.12. The official 3.14 images are named for
# trixie, so forky's stand-in stands in for python:3.14-slim-trixie. Oldest first: on a tie for
# "nearest", bookworm wins because the official images are named for bookworm too.
SUITES = (
    DebianSuite("bookworm", python="3.11"),
    DebianSuite("trixie", python="3.13"),
    DebianSuite("forky", python="3.14", official="trixie"),
)


@dataclass(frozen=True)
class BaseImage:
    """An official image and the local stand-in that can replace it."""

    official: str  # e.g. "python:3.11-slim-bookworm"
    stand_in: str  # e.g. "builder-local/python:3.11-slim-bookworm"; "" when no suite can provide one
    suite: str  # Debian suite the stand-in is built from
    requested: str  # version asked for, e.g. "16"
    provides: str  # version the stand-in really runs, e.g. "15"; "" without a stand-in

    @property
    def exact(self) -> bool:
        """Whether the stand-in runs the requested version."""
        return self.provides == self.requested

    def mismatch(self) -> str:
        """`postgres 16 requested, stand-in is 15`, or "" when the versions agree."""
        if self.exact or not self.stand_in:
            return ""
        return f"{repository(self.official)} {self.requested} requested, stand-in is {self.provides}"


def python_base(version: str) -> BaseImage:
    """The slim Python image for `version` ("3.11"); its stand-in when a Debian suite ships that Python."""
    minor = ".".join(version.split(".")[:2])
    suite = next((s for s in SUITES if s.python == minor), None)
    if suite is None:
        return BaseImage(f"python:{version}-slim-{SUITES[0].name}", "", SUITES[0].name, minor, "")
    tag = f"{minor}-slim-{suite.name}"
    return BaseImage(f"python:{version}-slim-{suite.tag_suite}", f"{LOCAL_PREFIX}python:{tag}", suite.name, minor,
                     minor)


def full_python_base(version: str) -> BaseImage:
    """The full (non-slim) Python image with compilers, e.g. python:3.11-bookworm, and its stand-in."""
    slim = python_base(version)
    return replace(slim, official=slim.official.replace("-slim", ""), stand_in=slim.stand_in.replace("-slim", ""))


def service_base(repository_name: str, major: str, versions: dict[str, str]) -> BaseImage:
    """`{repository}:{major}-bookworm`; the stand-in is the nearest version a Debian suite ships (`versions`, by
    suite name)."""
    suite = _nearest_suite(major, versions, what=repository_name)
    provides = versions[suite.name]
    stand_in = f"{LOCAL_PREFIX}{repository_name}:{provides}-{suite.name}"
    return BaseImage(f"{repository_name}:{major}-bookworm", stand_in, suite.name, major, provides)


def _nearest_suite(major: str, versions: dict[str, str], *, what: str) -> DebianSuite:
    if not major.isdigit():
        raise SpecError(
            f"{what} version must be a major version number, got '{major}'", hint=f'write e.g. {what}: "15"'
        )
    # min() keeps the first of equals, so ties go to the older suite (see SUITES).
    return min((s for s in SUITES if s.name in versions), key=lambda s: abs(int(versions[s.name]) - int(major)))


def repository(name: str) -> str:
    return name.rsplit(":", 1)[0]


@dataclass(frozen=True)
class ResolvedBase:
    """Which image a build really starts from."""

    requested: str
    used: str
    stand_in: bool
    note: str


def resolve_base(
    client: docker.DockerClient, image: BaseImage, *, pull: bool = True, pull_timeout: float = 20
) -> ResolvedBase:
    """The official image if present or pullable, else the local stand-in; BuilderError if neither."""
    if image_exists(client, image.official):
        return ResolvedBase(image.official, image.official, False, "")
    failure = _pull(client, image.official, timeout=pull_timeout) if pull else "pulling is turned off"
    if failure is None:
        return ResolvedBase(image.official, image.official, False, f"pulled {image.official}")
    if image.stand_in and image_exists(client, image.stand_in):
        note = f"{image.official} could not be pulled ({failure}); using the local stand-in"
        return ResolvedBase(image.official, image.stand_in, True, "; ".join(filter(None, [note, image.mismatch()])))
    raise no_base_error(image, failure)


def official_available(client: docker.DockerClient, image: BaseImage, *, pull_timeout: float = 20) -> bool:
    """Whether the official image is here, or could be pulled now."""
    return image_exists(client, image.official) or _pull(client, image.official, timeout=pull_timeout) is None


def no_base_error(image: BaseImage, failure: str) -> BuilderError:
    message = f"base image {image.official} is not available: {failure}"
    if not image.stand_in:  # only Python versions lack a stand-in; postgres and redis fall back to the nearest
        minor = int(image.requested.split(".")[-1]) if image.requested.split(".")[-1].isdigit() else 0
        nearest = min((s.python for s in SUITES), key=lambda v: abs(int(v.split(".")[1]) - minor))
        hint = (
            f"no Debian suite ships {repository(image.official)} {image.requested}, so no local stand-in can be"
            f" built: the nearest that has one is {nearest} (set python: \"{nearest}\"; stand-ins exist for"
            f" {', '.join(s.python for s in SUITES)}), or `docker load` the official image"
        )
        return BuilderError(message, hint=hint)
    return BuilderError(message, hint=f"run `builder bases` to build the local stand-in {image.stand_in}")


def image_id(client: docker.DockerClient, name: str) -> str | None:
    """The local image's ID, or None when the engine has no image by that name."""
    from docker.errors import ImageNotFound

    try:
        return str(client.images.get(name).id)
    except ImageNotFound:
        return None


def image_exists(client: docker.DockerClient, name: str) -> bool:
    return image_id(client, name) is not None


def _pull(client: docker.DockerClient, name: str, *, timeout: float) -> str | None:
    """Pull `name`; None when it worked, else why not."""
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            client.images.pull(name)
            outcome.append(None)
        # Any failure (API error, refused connection, bad name) only means "use the stand-in",
        # and an exception escaping a thread would be lost anyway.
        except Exception as exc:
            # The engine's own words ("dial tcp: lookup registry-1.docker.io: no such host"), not the HTTP wrapper.
            outcome.append(engine_words(exc))

    # The SDK gives pulls no timeout; a daemon thread bounds the wait when a registry hangs.
    worker = threading.Thread(target=attempt, name=f"pull {name}", daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else f"no answer from the registry within {timeout:g}s"

