"""Judging a pinned version against the image's Python from the index's file list (synthetic lists, no network)."""

from __future__ import annotations

from builder.lock.compat import files_of, judge, nearest_working
from builder.lock.index import IndexFile
from builder.lock.model import Target

PY313 = Target("3.13", "x86_64", "2_36")


def files(*names: str, requires: str | None = None, yanked: bool = False) -> list[IndexFile]:
    return [IndexFile(n, f"https://files.example/{n}", 1000, requires, yanked) for n in names]


def release(version: str, *pythons: str, pure: bool = False) -> list[IndexFile]:
    wheels = [f"pkg-{version}-{p}-{p}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" for p in pythons]
    return files(f"pkg-{version}.tar.gz", *wheels, *([f"pkg-{version}-py3-none-any.whl"] if pure else []))


INDEX = [*release("2.0.23", "cp311", "cp312", pure=True), *release("2.0.30", "cp312", pure=True),
         *release("2.0.36", "cp312", "cp313", pure=True), *release("2.1.0", "cp313")]


def test_compiled_wheels_without_the_target_python_predate_it() -> None:
    verdict = judge(files_of(INDEX, "2.0.23"), PY313)
    assert not verdict.installable
    assert verdict.reason == "has Linux x86_64 wheels for cp311, cp312 but none for cp313: it predates Python 3.13"


def test_nearest_is_the_first_working_version_above_the_pin() -> None:
    assert nearest_working(INDEX, "2.0.23", PY313) == "2.0.36"
    assert nearest_working(INDEX, "2.1.5", PY313) == "2.1.0"  # nothing above: the closest below


def test_a_version_with_a_wheel_for_the_target_is_fine() -> None:
    assert judge(files_of(INDEX, "2.0.36"), PY313).installable


def test_abi3_and_pure_wheels_install_anywhere() -> None:
    abi3 = files("pkg-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", "pkg-1.0.tar.gz")
    assert judge(abi3, PY313).installable
    assert judge(files("pkg-1.0-py3-none-any.whl"), PY313).installable


def test_source_only_is_not_a_compatibility_problem() -> None:
    windows_only = files("pkg-2.9-cp313-cp313-win_amd64.whl", "pkg-2.9.tar.gz")
    assert judge(windows_only, PY313).installable  # built from source on Linux: buildneeds' business


def test_a_newer_glibc_wheel_than_the_base_has_does_not_count() -> None:
    too_new = files("pkg-1.0-cp313-cp313-manylinux_2_39_x86_64.whl", "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
    assert not judge(too_new, PY313).installable


def test_requires_python_that_excludes_the_target() -> None:
    old = files("pkg-0.9-py3-none-any.whl", requires=">=3.8,<3.12")
    verdict = judge(old, PY313)
    assert (verdict.installable, verdict.reason) == (False, "requires Python >=3.8,<3.12")


def test_yanked_versions_are_never_suggested() -> None:
    index = [*release("1.0", "cp312"), *files("pkg-1.1-cp313-cp313-manylinux_2_17_x86_64.whl", yanked=True),
             *release("1.2", "cp313")]
    assert nearest_working(index, "1.0", PY313) == "1.2"
