"""lock --verify's import check, run by this machine's Python on a site of small stand-in distributions (no engine):
what the image's processes start from is imported too, and each failure's fix names what the error blames."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from builder.findings import Severity
from builder.lock import importcheck
from builder.lock.model import LockInput, LockResult, Pin, Root, Target
from builder.lock.report import lock_findings, lock_report
from builder.lock.server import SETUPTOOLS, pkg_resources_workaround, process_modules
from builder.lock.verify import ImportFailure, Verification, verify_findings
from builder.project import load_project

REPO = Path(__file__).resolve().parents[2]
# Distribution name, version, {file: text}: a Flask 0.12 beside a Jinja2 3.1 (which dropped Markup), a gunicorn 20
# whose start-up imports pkg_resources, and a package written for an older Python.
SITE = [
    ("Jinja2", "3.1.4", {"jinja2/__init__.py": "class Template: ...\n"}),
    ("Flask", "0.12.2", {"flask/__init__.py": "from jinja2 import Markup\n"}),
    ("gunicorn", "20.1.0", {"gunicorn/__init__.py": "", "gunicorn/app/__init__.py": "",
                            "gunicorn/app/wsgiapp.py": "import pkg_resources\n", "gunicorn/workers/__init__.py": "",
                            "gunicorn/workers/gthread.py": ""}),
    ("oldlib", "1.0", {"oldlib/__init__.py": "from collections import Mapping\n"}),
]


def make_site(root: Path) -> Path:
    for name, version, files in SITE:
        info = root / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "top_level.txt").write_text(files and next(iter(files)).split("/")[0] + "\n")
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
    return root


def run_check(site: Path, wanted: dict[str, str]) -> dict[str, Any]:
    """The check as the image runs it, on a Python that sees only the stand-in site (-S: no site-packages)."""
    done = subprocess.run([sys.executable, "-S", "-c", Path(importcheck.__file__).read_text(), json.dumps(wanted)],
                          env={"PYTHONPATH": str(site)}, capture_output=True, text=True, check=True, timeout=60)
    line = done.stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(line.removeprefix(importcheck.MARKER))
    return result


@pytest.fixture
def fixes(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """{module: (finding message, fix)} for the stand-in site with the web process's modules asked for."""
    result = run_check(make_site(tmp_path / "site"), {"gunicorn.app.wsgiapp": "the web process",
                                                      "gunicorn.workers.gthread": "worker_class gthread"})
    verification = Verification(result["python"], 1.0, tuple(result["checked"]),
                                tuple(ImportFailure(**f) for f in result["failures"]))
    findings = verify_findings(verification, lock="requirements.lock")
    return {f.message.split("import ", 1)[1].split(" ", 1)[0]: (f.message, f.fix) for f in findings}


def test_gunicorns_start_up_is_imported_and_its_missing_pkg_resources_named(
        fixes: dict[str, tuple[str, str]]) -> None:
    message, fix = fixes["gunicorn.app.wsgiapp"]
    assert message == ("gunicorn 20.1.0: import gunicorn.app.wsgiapp fails (the web process imports it): "
                       "ModuleNotFoundError: No module named 'pkg_resources'")
    assert "setuptools 82.0 removed" in fix and "upgrade gunicorn" in fix and "setuptools<82" in fix
    assert "gunicorn.workers.gthread" not in fixes  # imported, and fine


def test_a_too_new_dependency_is_blamed_not_the_python(fixes: dict[str, tuple[str, str]]) -> None:
    message, fix = fixes["flask"]
    assert "cannot import name 'Markup' from 'jinja2'" in message
    assert fix.startswith("Flask 0.12.2 needs an older Jinja2 than the locked 3.1.4: pin it lower "
                          '(dependencies.constraints: ["jinja2<3.1"])')
    assert "this Python" not in fix


def test_a_standard_library_change_is_still_the_pythons(fixes: dict[str, tuple[str, str]]) -> None:
    assert fixes["oldlib"][1].startswith("oldlib 1.0 does not work on this Python")


def test_the_modules_each_process_starts_from_are_asked_for() -> None:
    gevent = process_modules(load_project(REPO / "tests" / "golden" / "flask-gevent").plan)
    assert gevent == {"gunicorn.app.wsgiapp": "the web process", "gunicorn.workers.ggevent": "worker_class gevent"}
    asgi = process_modules(load_project(REPO / "tests" / "golden" / "fastapi-uvicorn").plan)
    assert asgi["uvicorn_worker"] == "worker_class uvicorn_worker.UvicornWorker"
    celery = process_modules(load_project(REPO / "tests" / "golden" / "celery-beat").plan)
    assert "celery.bin.celery" in celery


def pins(**versions: str) -> list[Pin]:
    return [Pin(name, version, (), ()) for name, version in versions.items()]


def test_an_old_gunicorn_gets_a_setuptools_with_pkg_resources_and_the_upgrade_is_advised() -> None:
    roots = [Root("gunicorn==20.1.0", "gunicorn", "requirements.txt:22", pinned=True)]
    found = pkg_resources_workaround(pins(gunicorn="20.1.0", setuptools="84.2.1"), roots, controls=[])
    assert found is not None and found.added == SETUPTOOLS == "setuptools<82"
    assert found.reason == "gunicorn 20.1.0 imports pkg_resources as it starts, which setuptools 82 removed"
    assert "raise the pin at requirements.txt:22 (gunicorn==20.1.0) to gunicorn>=21" in found.fix
    assert pkg_resources_workaround(pins(gunicorn="19.7.1"), roots, controls=[]) is not None


@pytest.mark.parametrize(("versions", "controls"), [
    ({"gunicorn": "21.0.0"}, []),  # the first gunicorn that reads entry points with importlib.metadata
    ({"gunicorn": "20.1.0", "setuptools": "81.0.0"}, []),  # the lock has pkg_resources already
    ({"gunicorn": "20.1.0"}, ["setuptools==84.2.1"]),  # the spec decides setuptools itself
    ({"flask": "3.0.3"}, []),
])
def test_nothing_is_added_where_gunicorn_starts_as_it_is(versions: dict[str, str], controls: list[str]) -> None:
    assert pkg_resources_workaround(pins(**versions), [], controls=controls) is None


def test_the_lock_report_says_what_was_added_for_gunicorn_and_how_to_do_without() -> None:
    roots = [Root("gunicorn==20.1.0", "gunicorn", "requirements.txt:22", pinned=True)]
    found = pkg_resources_workaround(pins(gunicorn="20.1.0"), roots, controls=[])
    assert found is not None
    lock_input = LockInput("requirements", "requirements.txt", (), tuple(roots))
    result = LockResult(input=lock_input, target=Target("3.11"), lock_name="requirements.lock", text="",
                        pins=tuple(pins(gunicorn="20.1.0", setuptools="81.0.0")), dropped=(), weights=(),
                        source_builds=(), heavy_mb=25.0, added=(f"{found.added}: {found.reason}",),
                        workarounds=(found,))
    [finding] = lock_findings(result)
    assert (finding.id, finding.severity) == ("BLD-LOCK-005", Severity.LOW)
    assert finding.message == ("gunicorn 20.1.0 imports pkg_resources as it starts, which setuptools 82 removed: "
                               "the lock adds setuptools<82 (setuptools 81.0.0) so the image starts")
    assert "added      setuptools<82: gunicorn 20.1.0 imports pkg_resources" in lock_report(result)
    assert result.to_dict()["workarounds"][0]["added"] == "setuptools<82"
