"""Resolving with uv for the image's Python and platform: the dependency graph, the hashed pins, the wheels."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from packaging.utils import canonicalize_name

from builder.errors import ToolMissing, TransientError
from builder.lock.errors import ResolutionFailed
from builder.lock.model import LockInput, Pin, Root, Target, WheelFile
from builder.lock.network import IndexAccess, is_tls_trouble, network_hint

ROOTS = "roots.in"
CONSTRAINTS = "constraints.txt"
OVERRIDES = "overrides.txt"
PINS = "pins.txt"
UV_TIMEOUT = 900.0
_NETWORK_TROUBLE = ("error sending request", "Failed to fetch", "dns error", "timed out", "Connect",
                    "Request failed after")


def find_uv() -> str:
    """The uv binary the `uv` package ships, else one on PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
    if not found:
        raise ToolMissing("uv is not installed; builder lock resolves with it",
                          hint="pip install uv (it is a dependency of builder: reinstall builder)")
    return found


@dataclass(frozen=True)
class Resolver:
    """uv pip compile for one target, in a scratch directory holding the input as plain requirements."""

    uv: str
    target: Target
    lock_input: LockInput
    access: IndexAccess
    constraints: tuple[str, ...] = ()  # the spec's, on top of the input's
    overrides: tuple[str, ...] = ()  # the spec's: replace what anything asks for the package

    def graph(self, roots: Sequence[Root]) -> dict[str, set[str]]:
        """Each resolved package and the packages that require it."""
        with self._workspace(roots) as work:
            text = self._compile(work, ["--annotation-style", "split"])
        return {pin.name: {v for v in pin.via if not v.startswith("-")} for pin in parse_pins(text)}

    def pins(self, roots: Sequence[Root]) -> tuple[str, list[Pin]]:
        """(the hashed requirements text, its pins with the target's wheels), resolved once and read twice."""
        with self._workspace(roots) as work:
            text = self._compile(work, ["--generate-hashes"])
            pins = parse_pins(text)
            (work / PINS).write_text("".join(f"{p.name}=={p.version}\n" for p in pins))
            self._compile(work, ["--format", "pylock.toml", "-o", "pylock.toml", "-c", PINS])
            files = _pylock_files(work / "pylock.toml")
        return text, [_with_files(pin, files.get(pin.name)) for pin in pins]

    @contextmanager
    def _workspace(self, roots: Sequence[Root]) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="builder-lock-") as tmp:
            work = Path(tmp)
            lines = [*self.lock_input.options, *(r.text for r in roots)]
            (work / ROOTS).write_text("".join(f"{line}\n" for line in lines))
            constraints = [*self.lock_input.constraints, *self.constraints]
            (work / CONSTRAINTS).write_text("".join(f"{c}\n" for c in constraints))
            (work / OVERRIDES).write_text("".join(f"{o}\n" for o in self.overrides))
            yield work

    def _compile(self, work: Path, extra: list[str]) -> str:
        argv = [self.uv, "pip", "compile", ROOTS, "-c", CONSTRAINTS, "--override", OVERRIDES,
                "--python-version", self.target.python,
                "--python-platform", self.target.uv_platform, "--no-python-downloads", "--no-header", "--quiet",
                *(["--emit-index-url"] if self.lock_input.options else []), *extra]
        try:
            done = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=UV_TIMEOUT, check=False,
                                  env={**os.environ, **self.access.uv_env()})
        except subprocess.TimeoutExpired:
            raise TransientError(f"uv did not finish resolving {self.lock_input.source} in {UV_TIMEOUT:.0f} s",
                                 hint="check the package index is reachable, then run `builder lock` again") from None
        if done.returncode != 0:
            raise _failure(self.access.mask(done.stderr), self.lock_input.source, self.target)
        return done.stdout


def _failure(stderr: str, source: str, target: Target) -> ResolutionFailed | TransientError:
    detail = "\n  | ".join(line for line in stderr.strip().splitlines() if line.strip())
    if any(marker in stderr for marker in _NETWORK_TROUBLE) or is_tls_trouble(stderr):
        return TransientError(f"uv could not reach the package index while locking {source}:\n  | {detail}",
                              hint=network_hint(stderr))
    return ResolutionFailed(f"uv cannot resolve {source} for {target.describe()}:\n  | {detail}",
                            hint="the lines above name the conflicting requirements; loosen or change those pins")


def parse_pins(text: str) -> list[Pin]:
    """The pins of uv's requirements output: `name==version \\`, its `--hash` lines and its `# via` comments."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith(("#", "-")):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line.strip())
    return [_pin(block) for block in blocks]


def _pin(block: list[str]) -> Pin:
    requirement = block[0].rstrip(" \\").split(";", 1)[0].strip()
    name, _, version = requirement.partition("==")
    hashes = tuple(line.removeprefix("--hash=").rstrip(" \\") for line in block if line.startswith("--hash="))
    via: list[str] = []
    for line in block[1:]:
        if line.startswith("#"):
            words = line.lstrip("#").strip()
            words = words[3:] if words == "via" or words.startswith("via ") else words
            via += [w.strip() for w in words.split(",") if w.strip()]
    return Pin(canonicalize_name(name.split("[", 1)[0]), version.strip(), hashes, tuple(via))


def _pylock_files(path: Path) -> dict[str, tuple[tuple[WheelFile, ...], WheelFile | None]]:
    """For each package of uv's pylock.toml: the wheels the target can install, and the sdist."""
    packages = tomllib.loads(path.read_text(encoding="utf-8")).get("packages", [])
    return {canonicalize_name(p["name"]): (tuple(_file(w) for w in p.get("wheels", [])),
                                           _file(p["sdist"]) if "sdist" in p else None) for p in packages}


def _file(entry: dict[str, object]) -> WheelFile:
    url = str(entry["url"])
    hashes = entry.get("hashes") or {}
    sha = str(hashes.get("sha256", "")) if isinstance(hashes, dict) else ""
    size = entry.get("size")
    return WheelFile(unquote(urlparse(url).path.rsplit("/", 1)[-1]), url, size if isinstance(size, int) else 0, sha)


def _with_files(pin: Pin, files: tuple[tuple[WheelFile, ...], WheelFile | None] | None) -> Pin:
    wheels, sdist = files or ((), None)
    return Pin(pin.name, pin.version, pin.hashes, pin.via, wheels, sdist)
