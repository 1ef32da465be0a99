"""Reading each dependency input into roots: includes, formats, detection, and mistakes told clearly. No network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.lock.errors import LockInputError
from builder.lock.inputs import find_source, read_input
from builder.spec import DependenciesSection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lock"


def read(root: Path, **deps: object) -> tuple[str, list[str], list[str], list[str]]:
    section = DependenciesSection.model_validate(deps)
    lock_input = read_input(find_source(root, section)[0], root, section)
    return (lock_input.source, [r.text for r in lock_input.roots], list(lock_input.constraints),
            [d.name for d in lock_input.left_out])


def test_requirements_in_follows_its_includes_and_remembers_lines() -> None:
    section = DependenciesSection()
    lock_input = read_input(FIXTURES / "requirements" / "requirements.in", FIXTURES / "requirements", section)
    assert [(r.text, r.origin) for r in lock_input.roots] == [
        ("markupsafe==2.1.5", "base.in:1"), ("flask==3.0.3", "requirements.in:3"),
        ("pytest==8.3.3", "requirements.in:4")]
    assert [f.name for f in lock_input.files] == ["requirements.in", "base.in"]


def test_requirements_strip_old_hashes_and_keep_index_options(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "--extra-index-url https://example.invalid/simple\n"
        "flask==3.0.3 \\\n    --hash=sha256:abc\n-c constraints.txt\n")
    (tmp_path / "constraints.txt").write_text("werkzeug<3.1\n")
    source, roots, constraints, _ = read(tmp_path)
    assert (source, roots, constraints) == ("requirements.txt", ["flask==3.0.3"], ["werkzeug<3.1"])
    section = DependenciesSection()
    assert read_input(tmp_path / "requirements.txt", tmp_path, section).options == (
        "--extra-index-url https://example.invalid/simple",)


def test_editable_requirement_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n-e .\n")
    with pytest.raises(LockInputError) as caught:
        read(tmp_path)
    assert "requirements.txt:2" in caught.value.message and "cannot go into a hashed lock" in caught.value.message
    assert caught.value.line == 2


def test_missing_include_names_the_including_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r base.txt\n")
    with pytest.raises(LockInputError, match=r"requirements.txt:1 includes base.txt, which does not exist"):
        read(tmp_path)


def test_a_line_that_is_no_requirement(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("flask >> 3\n")
    with pytest.raises(LockInputError) as caught:
        read(tmp_path)
    assert caught.value.line == 1 and "PEP 508" in caught.value.hint


def test_pyproject_takes_chosen_extras_through_self_references() -> None:
    source, roots, _, left_out = read(FIXTURES / "pyproject", extras=["all"])
    assert source == "pyproject.toml"
    assert roots == ["itsdangerous==2.1.2", "blinker>=1.7,<1.8", "psycopg[binary]==3.2.3"]
    assert left_out == ["[dev]", "[dependency-groups] test"]


def test_pyproject_unknown_extra() -> None:
    with pytest.raises(LockInputError, match=r"dependencies\.extras names gpu, which pyproject\.toml does not define"):
        read(FIXTURES / "pyproject", extras=["gpu"])


def test_poetry_roots_come_from_pyproject_and_versions_from_the_lock() -> None:
    source, roots, constraints, left_out = read(FIXTURES / "poetry")
    assert (source, roots) == ("poetry.lock", ["flask>=3.0,<4"])
    assert "flask==3.0.3" in constraints and "werkzeug==3.0.4" in constraints
    assert left_out == ["pytest", "[cache]"]
    assert read(FIXTURES / "poetry", extras=["cache"])[1] == ["flask>=3.0,<4", "redis>=5.0,<6"]
    assert read(FIXTURES / "poetry", groups=["dev"])[1] == ["flask>=3.0,<4", "pytest>=8.3,<9"]


def test_poetrys_table_is_an_input_of_its_own(tmp_path: Path) -> None:
    """`source: pyproject.toml` on a poetry project: ranges, markers and python keys in PEP 508, no lock needed."""
    (tmp_path / "pyproject.toml").write_text('''[tool.poetry]
name = "shop"
[tool.poetry.dependencies]
python = ">=3.9,<3.13"
sqlalchemy = "~1.3.24"
tomli = {version = "^2.0", python = "<3.11"}
uvloop = {version = "*", markers = "sys_platform != 'win32'"}
''')
    section = DependenciesSection(source="pyproject.toml")
    lock_input = read_input(tmp_path / "pyproject.toml", tmp_path, section)
    assert [r.text for r in lock_input.roots] == [
        "sqlalchemy>=1.3.24,<1.4", 'tomli>=2.0,<3 ; python_full_version < "3.11"',
        "uvloop ; (sys_platform != 'win32')"]
    assert lock_input.requires_python == ">=3.9,<3.13"


def test_a_poetry_range_pep_508_cannot_say_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\nflask = "^1.1 || ^2.0"\n')
    with pytest.raises(LockInputError, match=r"flask: '\^1.1 \|\| \^2.0' is a choice of ranges"):
        read(tmp_path)


def test_a_pipfile_without_its_lock(tmp_path: Path) -> None:
    (tmp_path / "Pipfile").write_text('[packages]\nflask = "*"\nrequests = {version = ">=2.31", extras = ["socks"]}\n'
                                      '[dev-packages]\npytest = "*"\n[requires]\npython_version = "3.11"\n')
    source, roots, _, left_out = read(tmp_path)
    assert (source, roots, left_out) == ("Pipfile", ["flask", "requests[socks]>=2.31"], ["pytest"])


def test_uv_lock_says_which_pythons_it_was_made_for() -> None:
    section = DependenciesSection()
    lock_input = read_input(FIXTURES / "uvlock" / "uv.lock", FIXTURES / "uvlock", section)
    assert lock_input.requires_python == ">=3.11"


def test_pipfile_lock_default_is_production_develop_is_not() -> None:
    source, roots, _, left_out = read(FIXTURES / "pipfile")
    assert source == "Pipfile.lock"
    assert "flask==3.0.3" in roots and "colorama==0.4.6 ; platform_system == 'Windows'" in roots
    assert left_out == ["pytest", "pluggy"]


def test_uv_lock_roots_are_the_projects_dependencies() -> None:
    source, roots, constraints, left_out = read(FIXTURES / "uvlock")
    assert (source, roots) == ("uv.lock", ["flask"])
    assert "flask==3.0.3" in constraints and not any(c.startswith("notes==") for c in constraints)
    assert left_out == ["pytest", "[cache]"]


def test_a_lock_file_is_detected_before_requirements(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "uvlock", tmp_path, dirs_exist_ok=True)
    (tmp_path / "requirements.txt").write_text("flask\n")
    assert find_source(tmp_path, DependenciesSection()) == (tmp_path / "uv.lock", True)
    named = DependenciesSection(source="requirements.txt")
    assert find_source(tmp_path, named) == (tmp_path / "requirements.txt", False)


def test_a_pyproject_with_only_tool_settings_is_not_an_input(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    assert find_source(tmp_path, DependenciesSection())[0].name == "requirements.txt"


def test_no_input_at_all(tmp_path: Path) -> None:
    with pytest.raises(LockInputError) as caught:
        find_source(tmp_path, DependenciesSection())
    assert caught.value.message == "no dependency input found"
    assert "requirements.in" in caught.value.hint and caught.value.field == "dependencies.source"


def test_named_source_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(LockInputError, match=r"dependencies\.source reqs/prod\.txt not found"):
        find_source(tmp_path, DependenciesSection(source="reqs/prod.txt"))


def test_lock_may_not_be_the_input() -> None:
    with pytest.raises(ValueError, match="also the input"):
        DependenciesSection(source="requirements.txt", lock="requirements.txt")
    assert DependenciesSection(lock="requirements.txt").lock == "requirements.txt"  # a hand-kept hashed file
