"""Whether a pinned version can be installed on the image's Python, decided by its files, and how.

Evidence, in order: Requires-Python; a wheel whose tags the target loads (compiled for its ABI, abi3, or pure
Python); else an sdist, which compiles in the builder stage (`builder lock --verify` builds and imports it there).
Release dates and the Pythons a project's classifiers list are no evidence: MarkupSafe 2.0.1 has no cp311 wheel
and builds there, and SQLAlchemy 1.1.9 builds but fails at import, which only an import shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from builder.lock.index import IndexFile
from builder.lock.model import Target


@dataclass(frozen=True)
class Verdict:
    installable: bool
    reason: str = ""  # why not, in words a person reads
    evidence: str = ""  # how it installs: which file decided


def judge(files: list[IndexFile], target: Target) -> Verdict:
    """Whether one version (these are its files) installs on the target, and from which of its files."""
    if files and not any(_python_ok(f, target) for f in files):
        return Verdict(False, f"requires Python {files[0].requires_python}")
    wheels = [(f, _tags(f.filename)) for f in files if f.filename.endswith(".whl")]
    fitting = [f for f, tags in wheels if tags & supported_tags(target)]
    others = _compiled_for(wheels, target)
    if any(not _pure(f.filename) for f in fitting):
        return Verdict(True, evidence=f"a wheel for {target.interpreter}")
    if fitting:
        return Verdict(True, evidence="a pure-Python wheel" + (f" (compiled wheels only for {others})"
                                                              if others else ""))
    if any(not f.filename.endswith(".whl") for f in files):
        return Verdict(True, evidence=f"its sdist, compiled in the builder stage: no wheel for {target.interpreter}"
                       + (f" (wheels for {others})" if others else ""))
    return Verdict(False, "has no sdist and no wheel the image loads" + (f" (wheels for {others}, none for "
                          f"{target.interpreter} on {target.uv_platform})" if others else ""))


def _compiled_for(wheels: list[tuple[IndexFile, frozenset[Tag]]], target: Target) -> str:
    """The CPythons a version has Linux wheels for on the target's architecture, as `cp36, ..., cp310`."""
    pythons = {t.interpreter for _, tags in wheels for t in tags
               if t.interpreter.startswith("cp") and _linux_arch(t.platform, target.arch)}
    return ", ".join(sorted(pythons, key=_python_order))


def _pure(filename: str) -> bool:
    return filename.endswith("-none-any.whl")


def nearest_working(files: list[IndexFile], pinned: str, target: Target) -> str | None:
    """The closest version at or above the pin that installs on the target, else the closest below it."""
    by_version: dict[Version, list[IndexFile]] = defaultdict(list)
    for f in files:
        version = _version_of(f.filename)
        if version is not None and not f.yanked:
            by_version[version].append(f)
    try:
        pin = Version(pinned)
    except InvalidVersion:
        return None
    candidates = [v for v in by_version if not v.is_prerelease or pin.is_prerelease]
    working = [v for v in candidates if _wheel_fits(by_version[v], target)]
    above = sorted(v for v in working if v > pin)
    below = sorted((v for v in working if v < pin), reverse=True)
    best = above[0] if above else below[0] if below else None
    return str(best) if best else None


def _wheel_fits(files: list[IndexFile], target: Target) -> bool:
    """A version the target installs from a wheel: the only kind of version worth suggesting unseen."""
    return any(_python_ok(f, target) and _tags(f.filename) & supported_tags(target) for f in files)


def files_of(files: list[IndexFile], version: str) -> list[IndexFile]:
    wanted = Version(version)
    return [f for f in files if _version_of(f.filename) == wanted]


@cache
def supported_tags(target: Target) -> frozenset[Tag]:
    """Every wheel tag the target interpreter loads: its own ABI, abi3, pure Python; manylinux up to its glibc."""
    glibc_minor = int(target.glibc.split("_")[1])
    platforms = [f"manylinux_2_{m}_{target.arch}" for m in range(glibc_minor, 4, -1)]
    platforms += [f"manylinux2014_{target.arch}", f"manylinux2010_{target.arch}", f"manylinux1_{target.arch}"]
    version = tuple(int(p) for p in target.python.split("."))
    return frozenset([*cpython_tags(version, platforms=platforms),
                      *compatible_tags(version, target.interpreter, platforms=platforms)])


def _tags(filename: str) -> frozenset[Tag]:
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()


def _linux_arch(platform: str, arch: str) -> bool:
    return platform.startswith(("manylinux", "linux")) and platform.endswith(arch)


def _python_ok(f: IndexFile, target: Target) -> bool:
    try:
        return not f.requires_python or SpecifierSet(f.requires_python).contains(f"{target.python}.0")
    except InvalidSpecifier:
        return True


def _python_order(interpreter: str) -> tuple[int, str]:
    digits = interpreter.lstrip("cpy")
    return (int(digits[1:]) if digits[1:].isdigit() else 0, interpreter)


def _version_of(filename: str) -> Version | None:
    """The version in a wheel or sdist file name, or None when it cannot be read."""
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        stem = filename.removesuffix(".tar.gz").removesuffix(".zip").removesuffix(".tar.bz2")
        return Version(stem.rsplit("-", 1)[1]) if "-" in stem else None
    except (InvalidWheelFilename, InvalidVersion, IndexError):
        return None
