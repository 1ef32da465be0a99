"""What decides a lock besides its input, told without the network: the input's own Python range, the app's imports,
the spec's overrides, a private index's secret, and errors as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.build import _index_from_env
from builder.cli import EXIT_USER_ERROR, main
from builder.lock.controls import controls_for, override_lines
from builder.lock.errors import LockInputError
from builder.lock.imports import app_imports
from builder.lock.make import make_lock
from builder.lock.model import Pin, Root, Target
from builder.lock.network import index_access
from builder.project import load_project
from builder.spec import DependenciesSection

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "lock" / "broken"


def test_a_uv_lock_for_python_314_is_refused_for_a_313_image(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = load_project(BROKEN / "uv-future")
    with pytest.raises(LockInputError) as caught:
        make_lock(project.spec, project.root, cache_dir=tmp_path)
    assert caught.value.message == ("uv.lock is for Python >=3.14, and the image runs Python 3.13, which that "
                                    "excludes")
    assert "set `python:` in builder.yaml" in caught.value.hint and "run `uv lock`" in caught.value.hint
    assert main(["--spec", str(BROKEN / "uv-future"), "lock", "--json"]) == EXIT_USER_ERROR
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["kind"], error["field"]) == ("LockInputError", "python")


def test_the_apps_imports_skip_its_own_modules_tests_the_stdlib_and_guarded_imports(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import os\nimport helpers\nfrom flask_debugtoolbar import X\n"
                                     "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n"
                                     "from . import sibling\n")
    (tmp_path / "helpers.py").write_text("import numpy.linalg\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("import pytest\n")
    assert app_imports(tmp_path) == {"flask_debugtoolbar": "app.py:3", "numpy": "helpers.py:1"}


def test_every_override_is_named_with_what_it_replaced() -> None:
    controls = controls_for(DependenciesSection(overrides=["markupsafe==2.0.1", "six==1.16.0"]))
    pins = [Pin("markupsafe", "2.0.1", (), ())]
    roots = [Root("MarkupSafe<2.1", "markupsafe", "requirements.in:3")]
    assert override_lines(controls.overrides, pins, roots, target=Target("3.11")) == [
        "markupsafe==2.0.1: markupsafe 2.0.1 is locked, instead of 'MarkupSafe<2.1' in the input",
        "six==1.16.0: not applied, nothing in the lock needs six"]
    with pytest.raises(LockInputError, match=r"dependencies\.overrides\[0\] is not a requirement"):
        controls_for(DependenciesSection(overrides=["markupsafe >> 2"]))


def test_an_override_whose_marker_excludes_the_image_says_it_removed_the_package() -> None:
    """A Django app's backports.zoneinfo, overridden away for Python 3.9 and newer: taken out, not 'not applied'."""
    override = "backports-zoneinfo==0.2.1; python_version < '3.9'"
    roots = [Root("backports.zoneinfo==0.2.1", "backports-zoneinfo", "requirements.txt:4", pinned=True)]
    assert override_lines([override], [Pin("django", "4.1.7", (), ())], roots, target=Target("3.11")) == [
        f"{override}: removed backports-zoneinfo from the lock: the marker excludes the image's Python 3.11, "
        "though the input asks for 'backports.zoneinfo==0.2.1' (requirements.txt:4)"]
    assert override_lines([override], [], [], target=Target("3.11")) == [
        f"{override}: removed backports-zoneinfo from the lock: the marker excludes the image's Python 3.11"]
    # On a Python the marker admits, an override nothing asks for is still just not applied.
    assert override_lines(["six==1.16.0; python_version >= '3.10'"], [], [], target=Target("3.11")) == [
        "six==1.16.0; python_version >= '3.10': not applied, nothing in the lock needs six"]


def test_a_private_index_reaches_the_build_as_a_secret_file_only(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUILDER_INDEX_URL", "https://pkgs.example.com/simple")
    monkeypatch.setenv("BUILDER_INDEX_USERNAME", "ci")
    monkeypatch.setenv("BUILDER_INDEX_PASSWORD", "p@ss")
    secret = _index_from_env(tmp_path)
    assert secret is not None
    assert secret.read_text() == "https://ci:p%40ss@pkgs.example.com/simple\n"
    assert secret.stat().st_mode & 0o777 == 0o600
    with index_access(ca_cert=None) as access:
        assert access.url == "https://pkgs.example.com/simple" and "p@ss" not in repr(access)
        assert access.mask("failed for https://ci:p%40ss@pkgs.example.com") == "failed for https://ci:****@pkgs.example.com"
    dockerfile = (Path(__file__).resolve().parents[2] / "app_sample" / "Dockerfile").read_text()
    assert "UV_INDEX_URL" not in "".join(line for line in dockerfile.splitlines() if line.startswith(("ENV", "ARG")))
