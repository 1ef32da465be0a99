"""`builder lock --check` tells a stale lock from a fresh one without the network; the record feeds the plan."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from builder.cli import EXIT_FAILED, EXIT_OK, main
from builder.load import load_spec
from builder.lock.inputs import find_source, read_input
from builder.lock.lockfile import compose, read_facts
from builder.lock.make import facts_for, stamp_for, target_for
from builder.lock.model import SourceBuild

REPO = Path(__file__).resolve().parents[2]
SPEC = """\
name: shop
python: "3.11"
app:
  module: shop.wsgi:app
health:
  liveness: /health
"""
BODY = "flask==3.0.3 \\\n    --hash=sha256:0123\n    # via -r requirements.txt\n"


def locked_app(root: Path, *, builds: tuple[SourceBuild, ...] = ()) -> Path:
    """An app whose requirements.lock records the inputs as they are now (as `builder lock` would)."""
    (root / "shop").mkdir()
    (root / "shop" / "wsgi.py").write_text("app = None\n")
    (root / "requirements.txt").write_text("flask==3.0.3\n")
    (root / "builder.yaml").write_text(SPEC)
    spec = load_spec(root).spec
    lock_input = read_input(find_source(root, spec.dependencies)[0], root, spec.dependencies)
    stamp = stamp_for(spec, root, lock_input, target_for(spec))
    text = compose(body=BODY, stamp=stamp, facts=facts_for("requirements.lock", builds), comments=["made by a test"])
    (root / "requirements.lock").write_text(text)
    return root


def check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--spec", str(root), "lock", "--check"])
    return code, capsys.readouterr().out


def test_fresh_lock_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(locked_app(tmp_path), capsys) == (EXIT_OK, "requirements.lock is up to date with its inputs\n")


def test_changed_requirement_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    (root / "requirements.txt").write_text("flask==3.1.0\n")
    code, out = check(root, capsys)
    assert code == EXIT_FAILED
    assert "requirements.lock is stale:\n  the requirements in requirements.txt changed\n" in out
    assert "run `builder lock`" in out


def test_a_comment_does_not_make_it_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    (root / "requirements.txt").write_text("# the web framework\nflask==3.0.3  # pinned\n")
    assert check(root, capsys)[0] == EXIT_OK


def test_a_new_python_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    (root / "builder.yaml").write_text(SPEC.replace('"3.11"', '"3.13"'))
    code, out = check(root, capsys)
    assert code == EXIT_FAILED
    assert "python was 3.11, is now 3.13" in out
    assert "platform was x86_64-manylinux_2_36, is now x86_64-manylinux_2_40" in out


def test_an_include_added_later_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    (root / "base.txt").write_text("redis==5.0.8\n")
    (root / "requirements.txt").write_text("-r base.txt\nflask==3.0.3\n")
    assert "base.txt is now read too" in check(root, capsys)[1]


def test_hand_edited_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    lock = root / "requirements.lock"
    lock.write_text(lock.read_text().replace("flask==3.0.3", "flask==3.0.2"))
    code, out = check(root, capsys)
    assert (code, out.splitlines()[1]) == (EXIT_FAILED, "  requirements.lock was edited by hand since `builder lock` "
                                                        "wrote it")


def test_missing_and_foreign_locks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = locked_app(tmp_path)
    (root / "requirements.lock").unlink()
    assert "requirements.lock does not exist" in check(root, capsys)[1]
    (root / "requirements.lock").write_text("flask==3.0.3\n")
    assert "not written by `builder lock`" in check(root, capsys)[1]


def test_the_record_carries_what_source_builds_need(tmp_path: Path) -> None:
    build = SourceBuild("psycopg2", "2.9.10", ("gcc", "libpq-dev"), ("libpq5",), known=True)
    root = locked_app(tmp_path, builds=(build,))
    facts = read_facts(root, "requirements.lock")
    assert facts is not None
    assert (facts.build_packages, facts.runtime_packages, facts.source_builds) == (
        ("gcc", "libpq-dev"), ("libpq5",), ("psycopg2==2.9.10",))
    assert read_facts(root, "nothing.lock") is None


def test_sample_app_lock_is_fresh() -> None:
    """The committed app_sample lock matches its inputs (what CI runs as `builder lock --check`)."""
    assert main(["--spec", str(REPO / "app_sample"), "lock", "--check"]) == EXIT_OK


def test_golden_locks_are_fresh(tmp_path: Path) -> None:
    for golden in sorted((REPO / "tests" / "golden").glob("*/builder.yaml")):
        shutil.copytree(golden.parent, tmp_path / golden.parent.name)
        assert main(["--spec", str(tmp_path / golden.parent.name), "lock", "--check"]) == EXIT_OK, golden.parent.name
