"""builder lock against the real uv and the real PyPI: each input format, dev tools, weights, source builds, and a
pin the image's Python cannot take. No container engine needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from builder.cli import EXIT_FAILED, EXIT_OK, EXIT_USER_ERROR, main
from builder.lock.lockfile import read_facts
from builder.lock.make import make_lock
from builder.lock.model import LockResult
from builder.plan.make import make_plan
from builder.spec import AppSpec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lock"
FLASK_303 = {"flask": "3.0.3", "werkzeug": "3.0.4", "jinja2": "3.1.4", "markupsafe": "2.1.5", "click": "8.1.7",
             "itsdangerous": "2.2.0", "blinker": "1.8.2"}


def app_spec(python: str = "3.11", **dependencies: object) -> AppSpec:
    return AppSpec.model_validate({"name": "fixture", "python": python, "app": {"module": "app:app"},
                                   "health": {"liveness": "/health"}, "dependencies": dependencies})


def lock(root: Path, python: str = "3.11", **dependencies: object) -> LockResult:
    return make_lock(app_spec(python, **dependencies), root, cache_dir=Path.home() / ".cache" / "builder")


def app_dir(tmp_path: Path, files: dict[str, str], *, python: str = "3.11", **dependencies: object) -> Path:
    """An app directory with builder.yaml, a module and the given input files."""
    spec = {"name": "fixture", "python": python, "app": {"module": "app:app"}, "health": {"liveness": "/health"}}
    if dependencies:
        spec["dependencies"] = dependencies
    (tmp_path / "builder.yaml").write_text(yaml.safe_dump(spec))
    (tmp_path / "app.py").write_text("app = None\n")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def pins(result: LockResult) -> dict[str, str]:
    return {p.name: p.version for p in result.pins}


@pytest.mark.parametrize(("fixture", "dependencies", "expected", "absent"), [
    ("requirements", {}, {"flask": "3.0.3", "markupsafe": "2.1.5"}, {"pytest", "pluggy"}),
    ("frozen", {}, FLASK_303, {"pytest", "black", "pluggy", "iniconfig", "packaging", "pathspec"}),
    ("pyproject", {"extras": ["all"]}, {"itsdangerous": "2.1.2", "blinker": "1.7.0", "psycopg": "3.2.3",
                                        "psycopg-binary": "3.2.3"}, {"pytest", "ruff", "coverage"}),
    ("poetry", {}, FLASK_303, {"pytest", "redis", "colorama"}),
    ("pipfile", {}, FLASK_303, {"pytest", "pluggy", "colorama"}),
    ("uvlock", {}, {"flask": "3.0.3", "werkzeug": "3.1.9", "markupsafe": "3.0.4"}, {"pytest", "redis"}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_each_input_format_gives_the_expected_production_pins(fixture: str, dependencies: dict[str, object],
                                                              expected: dict[str, str], absent: set[str]) -> None:
    result = lock(FIXTURES / fixture, **dependencies)
    got = pins(result)
    assert {name: got.get(name) for name in expected} == expected
    assert not absent & set(got), f"left in: {absent & set(got)}"
    body = result.text.split("\n# builder-lock: ", 1)[1]
    assert all(f"{name}=={version} \\\n    --hash=sha256:" in body for name, version in expected.items())


def test_frozen_requirements_say_what_was_dropped_and_why() -> None:
    dropped = {d.name: d.reason for d in lock(FIXTURES / "frozen").dropped}
    assert dropped["pytest"] == "development tool (requirements.txt:14)"
    assert dropped["black"] == "development tool (requirements.txt:1)"
    assert dropped["pluggy"] == "only needed by pytest (requirements.txt:13)"
    assert dropped["packaging"] == "only needed by black, pytest (requirements.txt:10)"


def test_lock_command_writes_a_lock_the_check_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # pip-tools' layout: requirements.in is what people edit, requirements.txt an older compiled output.
    root = app_dir(tmp_path, {"requirements.in": "flask==3.0.3\nruff\n", "requirements.txt": "flask==2.0.0\n"})
    assert main(["--spec", str(root), "lock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "input      requirements.in (detected" in out
    assert "left out   ruff: development tool (requirements.in:2)" in out
    # 7 pins of flask, and gunicorn: the server the input does not list (lock adds it, and says so)
    assert "added      gunicorn: the image runs gunicorn with the gthread worker" in out
    assert "requirements.lock created (8 pins with hashes)" in out
    lock_text = (root / "requirements.lock").read_text()
    assert "# left out: ruff: development tool (requirements.in:2)" in lock_text
    assert "ruff" not in lock_text.split("\n# builder-lock: ", 1)[1]
    assert main(["--spec", str(root), "lock", "--check"]) == EXIT_OK
    (root / "requirements.in").write_text("flask==3.0.2\n")
    assert main(["--spec", str(root), "lock", "--check"]) == EXIT_FAILED


def test_a_heavy_package_is_flagged_and_sizes_add_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = app_dir(tmp_path, {"requirements.txt": "numpy==2.1.3\nitsdangerous==2.2.0\n"}, python="3.13")
    assert main(["--spec", str(root), "lock", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    weights = {w["name"]: w for w in report["weights"]}
    assert weights["numpy"]["heavy"] and weights["numpy"]["unpacked_bytes"] > 25e6
    assert not weights["itsdangerous"]["heavy"] and 10e3 < weights["itsdangerous"]["unpacked_bytes"] < 1e6
    assert report["weights"][0]["name"] == "numpy"  # heaviest first
    assert report["total_bytes"] == sum(w["unpacked_bytes"] for w in report["weights"])
    assert main(["--spec", str(root), "lock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "! numpy 2.1.3" in out and "BLD-LOCK-001" in out and "numpy 2.1.3 unpacks to" in out


def test_a_source_only_package_adds_system_packages_to_the_plan(tmp_path: Path) -> None:
    root = app_dir(tmp_path, {"requirements.txt": "psycopg2==2.9.10\npsycogreen==1.0.2\n"})
    result = lock(root)
    builds = {b.name: b for b in result.source_builds}
    assert builds["psycopg2"].build_packages == ("gcc", "libc6-dev", "libpq-dev", "python3-dev")
    assert builds["psycopg2"].runtime_packages == ("libpq5",)
    assert builds["psycogreen"].build_packages == ()  # a pure-Python sdist needs nothing
    (root / "requirements.lock").write_text(result.text)
    plan = make_plan(app_spec(), lock=read_facts(root, "requirements.lock"))
    assert plan.builder.system_packages == ["gcc", "libc6-dev", "libpq-dev", "python3-dev"]
    assert plan.runtime.system_packages == ["libpq5"]
    assert plan.builder.source_builds == ["psycogreen==1.0.2", "psycopg2==2.9.10"]


def test_a_pure_wheel_beside_compiled_ones_for_older_pythons_is_evidence_not_a_refusal(tmp_path: Path) -> None:
    """sqlalchemy 2.0.23 has compiled wheels up to cp312 and a pure wheel: it installs on 3.13 from the pure wheel,
    and the report says so; whether it works there is for --verify's import to show, not for dates or tags."""
    root = app_dir(tmp_path, {"requirements.txt": "flask==3.1.0\nsqlalchemy==2.0.23\n"}, python="3.13")
    result = lock(root, python="3.13")
    assert pins(result)["sqlalchemy"] == "2.0.23"
    assert dict(result.evidence)["sqlalchemy"] == ("a pure-Python wheel (compiled wheels only for cp37, cp38, cp39, "
                                                   "cp310, cp311, cp312)")


def test_a_pin_whose_requires_python_excludes_the_image_fails_naming_the_nearest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = app_dir(tmp_path, {"requirements.txt": "flask==3.1.0\nnumpy==1.21.6\n"})
    assert main(["--spec", str(root), "lock"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: numpy 1.21.6 cannot be installed on Python 3.11: requires Python >=3.7,<3.11\n")
    assert f"  --> {root / 'requirements.txt'}:2\n" in err
    assert "  hint: pin numpy==1.23.2, the nearest version that installs on Python 3.11" in err
    assert not (root / "requirements.lock").exists()


def test_the_same_pin_is_fine_on_python_311(tmp_path: Path) -> None:
    """The failure above is about the target Python, not the package: 3.11 takes sqlalchemy 2.0.23."""
    root = app_dir(tmp_path, {"requirements.txt": "sqlalchemy==2.0.23\n"})
    assert pins(lock(root))["sqlalchemy"] == "2.0.23"


@pytest.mark.integration
def test_lock_adds_the_server_the_input_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An asgi app whose input lists neither gunicorn nor uvicorn-worker gets both, and the report says so."""
    root = app_dir(tmp_path, {"requirements.txt": "fastapi==0.115.6\nuvicorn==0.34.0\n"})
    spec = yaml.safe_load((root / "builder.yaml").read_text())
    spec["app"]["kind"] = "asgi"
    (root / "builder.yaml").write_text(yaml.safe_dump(spec))
    assert main(["--spec", str(root), "lock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "added      gunicorn: the image runs gunicorn with the uvicorn_worker.UvicornWorker worker" in out
    assert "uvicorn-worker: the image runs gunicorn" in out
    text = (root / "requirements.lock").read_text()
    assert "\ngunicorn==" in text and "\nuvicorn-worker==" in text and "# added: gunicorn:" in text
    assert main(["--spec", str(root), "lock", "--check"]) == EXIT_OK


@pytest.mark.integration
def test_an_old_gunicorn_is_locked_with_a_setuptools_that_has_pkg_resources(tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """gunicorn 20.1.0 asks for any setuptools, and the newest has no pkg_resources, which it imports as it starts:
    the lock holds setuptools<82 instead, says why, and advises the upgrade that makes it needless."""
    root = app_dir(tmp_path, {"requirements.txt": "flask==3.0.3\ngunicorn==20.1.0\n"})
    assert main(["--spec", str(root), "lock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert ("added      setuptools<82: gunicorn 20.1.0 imports pkg_resources as it starts, which setuptools 82 "
            "removed") in out
    assert "BLD-LOCK-005" in out and 'dependencies.overrides: ["gunicorn>=21"]' in out
    text = (root / "requirements.lock").read_text()
    [setuptools] = [line for line in text.splitlines() if line.startswith("setuptools==")]
    assert int(setuptools.removeprefix("setuptools==").split(".")[0]) < 82
    assert main(["--spec", str(root), "lock", "--check"]) == EXIT_OK
