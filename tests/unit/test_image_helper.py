"""builder_image.py, the script the Dockerfile's build stages run: strip, prune, the shell-free root filesystem and
bytecode only. Run here on the host's own interpreter and files (Debian's Python, like the stand-in base's)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path
from types import ModuleType

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
HELPER = REPO / "app_sample" / "builder_image.py"  # the generated file, as an app gets it


def helper() -> ModuleType:
    spec = importlib.util.spec_from_file_location("builder_image", HELPER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HELPER), *args], capture_output=True, text=True, check=False)


def test_strip_cuts_debug_sections_and_the_module_still_loads(tmp_path: Path) -> None:
    package = tmp_path / "yaml"
    shutil.copytree(Path(yaml.__file__).parent, package)
    extension = next(package.glob("_yaml*.so"))
    before = extension.stat().st_size
    assert helper().strip_elf(str(extension)) is True
    assert extension.stat().st_size < before
    assert helper().strip_elf(str(extension)) is False, "nothing left to strip the second time"
    check = (f"import yaml, yaml._yaml; assert yaml.__file__.startswith({str(tmp_path)!r}); "
             "print(yaml.load('a: [1, 2]', Loader=yaml.CLoader))")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'a': [1, 2]}"


def test_strip_leaves_what_is_not_a_plain_elf_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.so"
    text.write_bytes(b"not an ELF file at all")
    assert helper().strip_elf(str(text)) is False
    assert text.read_bytes() == b"not an ELF file at all"


def fake_venv(tmp_path: Path) -> Path:
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    for folder, source in {"used/tests": "", "used": "from .tests import helpers\n", "lonely/tests": "x = 1\n",
                           "lonely/docs": "", "lonely": "import json\n"}.items():
        (site / folder).mkdir(parents=True, exist_ok=True)
        (site / folder / "__init__.py").write_text(source)
    return tmp_path / "venv"


def test_prune_drops_only_the_test_folders_nothing_imports(tmp_path: Path) -> None:
    root = fake_venv(tmp_path)
    report = tmp_path / "shrink.json"
    done = run_helper("shrink", str(root), str(report))
    assert done.returncode == 0, done.stderr
    site = root / "lib" / "python3.11" / "site-packages"
    assert (site / "used" / "tests").is_dir(), "its package imports it"
    assert not (site / "lonely" / "tests").exists() and not (site / "lonely" / "docs").exists()
    steps = {s["step"]: s for s in json.loads(report.read_text())}
    assert steps["drop unused test and doc folders"]["files"] == 2
    assert "drop unused test and doc folders: 2 file(s)" in done.stdout


@pytest.fixture(scope="module")
def host_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("venv") / "venv"
    venv.create(where, with_pip=False, symlinks=True)
    return where


def rootfs(host_venv: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_helper("rootfs", str(out), "--venv", str(host_venv), "--workdir", "/app", "--user", "app",
                      "--uid", str(os.getuid()), "--gid", str(os.getgid()), "--writable", "/data", *extra)


def test_distroless_root_has_the_interpreter_its_libraries_and_no_shell(host_venv: Path, tmp_path: Path) -> None:
    out = tmp_path / "rootfs"
    done = rootfs(host_venv, out, "--profile", "distroless")
    assert done.returncode == 0, done.stderr
    interpreter = os.path.realpath(host_venv / "bin" / "python")
    assert (out / interpreter.lstrip("/")).is_file()
    assert list(out.glob("**/libc.so.6")), "the loader's answer for the interpreter includes libc"
    assert not (out / "bin" / "sh").exists() and not (out / "usr" / "bin" / "apt-get").exists()
    assert "app:x:" in (out / "etc" / "passwd").read_text()
    assert (out / "data").is_dir() and (out / "tmp").stat().st_mode & 0o1777 == 0o1777
    stdlib = out / sysconfig.get_paths()["stdlib"].lstrip("/")
    assert (stdlib / "json" / "__init__.py").is_file() and not (stdlib / "idlelib").exists()
    assert not [p for p in out.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o6000]


def test_traced_root_refuses_a_list_naming_files_the_image_lacks(host_venv: Path, tmp_path: Path) -> None:
    listing = tmp_path / "builder.trace"
    listing.write_text(f"# a trace\n{sysconfig.get_paths()['stdlib']}/json/__init__.py\n/opt/nowhere/gone.py\n")
    done = rootfs(host_venv, tmp_path / "rootfs", "--profile", "traced", "--keep", str(listing))
    assert done.returncode == 3
    assert "lists 1 file(s) this image does not have, e.g. /opt/nowhere/gone.py" in done.stderr
    listing.write_text("json/__init__.py\n")
    done = rootfs(host_venv, tmp_path / "again", "--profile", "traced", "--keep", str(listing))
    assert done.returncode == 3 and "every line is an absolute path" in done.stderr


def test_bytecode_only_keeps_modules_as_bytecode_that_names_file_and_line(host_venv: Path, tmp_path: Path) -> None:
    # Not under /tmp: the assembler leaves the image's scratch folders out of any list.
    holder = tempfile.TemporaryDirectory(dir="/var/tmp")
    package = Path(holder.name) / "src"
    package.mkdir()
    (package / "hello.py").write_text("def fail():\n    raise ValueError('planted')\n")
    listing = tmp_path / "builder.trace"
    listing.write_text(f"{package}/hello.py\n")
    out = tmp_path / "rootfs"
    done = rootfs(host_venv, out, "--profile", "traced", "--keep", str(listing), "--bytecode-only")
    assert done.returncode == 0, done.stderr
    kept = out / str(package).lstrip("/")
    assert not (kept / "hello.py").exists() and (kept / "hello.pyc").is_file()
    failed = subprocess.run([sys.executable, "-c", "import hello; hello.fail()"], cwd=kept, capture_output=True,
                            text=True, check=False)
    assert f'File "{package}/hello.py", line 2, in fail' in failed.stderr
    holder.cleanup()


def test_report_reads_the_shrink_record_builder_image_wrote(tmp_path: Path) -> None:
    from builder.report.shrink import parse_shrink

    report = tmp_path / "shrink.json"
    assert run_helper("shrink", str(fake_venv(tmp_path)), str(report)).returncode == 0
    steps = parse_shrink(report.read_bytes())
    assert [s.step for s in steps] == ["strip debug symbols", "drop unused test and doc folders"]
    assert steps[1].files == 2 and steps[1].bytes_saved == len("x = 1\n")
    assert parse_shrink(b"not json") == []
