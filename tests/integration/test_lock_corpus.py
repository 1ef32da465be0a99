"""The lock corpus (tests/fixtures/lock/corpus): real requirement sets of real apps lock, install into the image's
Python and import there (`builder lock --verify`); the broken cases fail with the message a user needs.

Builds are the expensive part, so the five requirements sets share one image: their files are merged into one app.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.lock.make import make_lock
from builder.lock.model import LockResult
from builder.project import load_project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lock"
CORPUS = FIXTURES / "corpus"
BROKEN = FIXTURES / "broken"
BUNDLED = ("legacy-flask", "sqlalchemy13", "pydantic1", "numpy-pandas", "psycopg2-source")


def locked(name: str) -> LockResult:
    project = load_project(CORPUS / name)
    return make_lock(project.spec, project.root, cache_dir=Path.home() / ".cache" / "builder")


def pins(result: LockResult) -> dict[str, str]:
    return {p.name: p.version for p in result.pins}


def test_legacy_flask_keeps_markupsafe_below_2_1_and_the_toolbar_the_app_imports() -> None:
    result = locked("legacy-flask")
    got = pins(result)
    assert (got["flask"], got["jinja2"], got["markupsafe"], got["flask-debugtoolbar"]) == (
        "1.1.4", "2.11.3", "2.0.1", "0.11.0")
    assert "pytest" not in got
    assert result.kept == ("flask-debugtoolbar: a development tool by name, but app.py:4 imports flask_debugtoolbar",)
    assert dict(result.evidence)["markupsafe"].startswith("its sdist, compiled in the builder stage: no wheel for "
                                                         "cp311 (wheels for cp36")
    assert "# kept: flask-debugtoolbar:" in result.text


@pytest.mark.parametrize(("name", "expected", "evidence"), [
    ("sqlalchemy13", {"sqlalchemy": "1.3.24"}, {"sqlalchemy": "its sdist"}),
    ("pydantic1", {"pydantic": "1.9.2"}, {"pydantic": "a pure-Python wheel (compiled wheels only for cp36"}),
    ("numpy-pandas", {"numpy": "2.1.3", "pandas": "2.2.3"}, {"numpy": "a wheel for cp311"}),
    ("psycopg2-source", {"psycopg2": "2.9.10"}, {"psycopg2": "its sdist"}),
    ("uv-app", {"flask": "3.0.3", "redis": "8.1.0"}, {}),
    ("pipfile-app", {"flask": "3.0.3", "pysocks": "1.7.1"}, {}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_set_locks_from_evidence_in_its_files(name: str, expected: dict[str, str],
                                                   evidence: dict[str, str]) -> None:
    result = locked(name)
    got = pins(result)
    assert {k: got.get(k) for k in expected} == expected
    assert not {"pytest", "black"} & set(got)
    found = dict(result.evidence)
    assert all(found[k].startswith(v) for k, v in evidence.items()), found


def test_a_poetry_lock_made_for_older_pythons_gives_way_to_its_ranges() -> None:
    result = locked("poetry-app")
    got = pins(result)
    assert got["numpy"].startswith("1.26.") and got["pandas"].startswith("1.5.") and got["redis"].startswith("4.")
    assert "tomli" not in got and "colorama" not in got and "pytest" not in got  # markers, python key, dev group
    assert result.notes[0].startswith("the versions in poetry.lock do not install on Python 3.11 (numpy 1.21.6 "
                                      "cannot be installed on Python 3.11: requires Python >=3.7,<3.11)")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five requirements sets as one app: every app module, every requirement line, one builder.yaml."""
    root = tmp_path_factory.mktemp("corpus") / "bundle"
    root.mkdir()
    lines: list[str] = []
    for name in BUNDLED:
        source = next(p for p in (CORPUS / name).iterdir() if p.name.startswith("requirements"))
        lines += source.read_text().splitlines()
        module = "app" if name == BUNDLED[0] else name.replace("-", "_")  # builder.yaml names app:app
        shutil.copy(CORPUS / name / "app.py", root / f"{module}.py")
    (root / "requirements.in").write_text("\n".join(lines) + "\n")
    (root / "builder.yaml").write_text((CORPUS / "legacy-flask" / "builder.yaml").read_text()
                                       .replace("corpus-legacy-flask", "corpus-bundle"))
    return root


def verify(root: Path, ca: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["--spec", str(root), "lock", "--verify", "--json", "--ca-cert", str(ca)])
    return code, json.loads(capsys.readouterr().out)


def test_the_bundled_sets_install_and_import_as_the_apps_user(bundle: Path, docker_client: Any,
                                                             python_stand_in: None, test_ca: tuple[Path, str],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify(bundle, test_ca[0], capsys)
    assert code == EXIT_OK, report["verify"]
    checked = set(report["verify"]["checked"])
    assert {"flask", "jinja2", "markupsafe", "flask_debugtoolbar", "sqlalchemy", "pydantic", "numpy", "pandas",
            "psycopg2", "gunicorn"} <= checked
    assert report["verify"]["python"].startswith("3.11.")
    assert {b["name"] for b in report["source_builds"]} == {"markupsafe", "sqlalchemy", "psycopg2"}


@pytest.mark.parametrize("name", ["poetry-app", "uv-app", "pipfile-app"])
def test_each_project_format_installs_and_imports(name: str, tmp_path: Path, docker_client: Any,
                                                  python_stand_in: None, test_ca: tuple[Path, str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / name
    shutil.copytree(CORPUS / name, root)
    code, report = verify(root, test_ca[0], capsys)
    assert code == EXIT_OK, report["verify"]
    assert report["verify"]["failures"] == [] and "flask" in report["verify"]["checked"]


def test_sqlalchemy_1_1_on_python_311_fails_at_import_with_the_package_and_error(
        tmp_path: Path, docker_client: Any, python_stand_in: None, test_ca: tuple[Path, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "app"
    shutil.copytree(BROKEN / "sqlalchemy-119", root)
    code, report = verify(root, test_ca[0], capsys)
    assert code == EXIT_FAILED
    [finding] = report["verify"]["findings"]
    assert finding["id"] == "BLD-LOCK-003"
    assert finding["message"] == ("SQLAlchemy 1.1.9: import sqlalchemy fails (app.py:3 imports it): AttributeError: "
                                  "module 'collections' has no attribute 'MutableMapping'")
    code = main(["--spec", str(root), "lock", "--verify", "--ca-cert", str(test_ca[0])])
    assert code == EXIT_FAILED
    assert "verify     FAILED" in capsys.readouterr().out
