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


def test_compiled_wheels_for_older_pythons_and_a_pure_wheel_install_from_the_pure_wheel() -> None:
    """pydantic 1.9.2 on 3.11: compiled up to cp310, and a pure wheel that works."""
    verdict = judge(files_of(INDEX, "2.0.23"), PY313)
    assert verdict.installable
    assert verdict.evidence == "a pure-Python wheel (compiled wheels only for cp311, cp312)"


def test_no_wheel_for_the_target_but_an_sdist_compiles_from_it() -> None:
    """MarkupSafe 2.0.1 on 3.11: wheels up to cp310, and an sdist that builds; no refusal from dates or tags."""
    verdict = judge(files_of(INDEX, "2.1.0"), Target("3.14", "x86_64", "2_36"))
    assert verdict.installable
    assert verdict.evidence == "its sdist, compiled in the builder stage: no wheel for cp314 (wheels for cp313)"


def test_no_fitting_wheel_and_no_sdist_cannot_install() -> None:
    verdict = judge(files("pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"), PY313)
    assert not verdict.installable
    assert verdict.reason == ("has no sdist and no wheel the image loads (wheels for cp312, none for cp313 on "
                              "x86_64-manylinux_2_36)")


def test_nearest_is_the_first_working_version_above_the_pin() -> None:
    assert nearest_working(INDEX, "2.0.23", PY313) == "2.0.30"  # a pure wheel counts
    assert nearest_working(INDEX, "2.1.5", PY313) == "2.1.0"  # nothing above: the closest below


def test_a_version_with_a_wheel_for_the_target_is_fine() -> None:
    verdict = judge(files_of(INDEX, "2.0.36"), PY313)
    assert (verdict.installable, verdict.evidence) == (True, "a wheel for cp313")


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
    assert nearest_working([*too_new, *release("1.1", "cp313")], "1.0", PY313) == "1.1"


def test_requires_python_that_excludes_the_target() -> None:
    old = files("pkg-0.9-py3-none-any.whl", requires=">=3.8,<3.12")
    verdict = judge(old, PY313)
    assert (verdict.installable, verdict.reason) == (False, "requires Python >=3.8,<3.12")


def test_yanked_versions_are_never_suggested() -> None:
    index = [*release("1.0", "cp312"), *files("pkg-1.1-cp313-cp313-manylinux_2_17_x86_64.whl", yanked=True),
             *release("1.2", "cp313")]
    assert nearest_working(index, "1.0", PY313) == "1.2"
