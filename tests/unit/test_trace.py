"""builder trace without an engine: the recorder on this interpreter, its log parsed, the static closure of a tiny
app, the trace file's format, and a traced image's errors mapped to the slim image's files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builder.errors import BuilderError
from builder.project import load_project
from builder.trace.diagnose import broken_imports, diagnose, differing_checks, missing_in
from builder.trace.record import MOUNT, collect, instrument, parse_ld_debug, parse_python_log, recording_folder
from builder.trace.tracefile import TraceHeader, format_trace, listed, parse_trace, trace_path
from builder.validate.report import Check, ValidationReport

REPO = Path(__file__).resolve().parents[2]
RARELY = REPO / "tests" / "fixtures" / "trace" / "rarely"
HEADER = TraceHeader("rarely", "rarely:trace-slim", "python:3.11-slim-bookworm", "2026-01-01T00:00:00Z",
                     "builder.yaml")


def _python(code: str, *, pythonpath: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": pythonpath}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=True)


def test_the_recorder_logs_imports_opens_and_execs_of_a_real_process(tmp_path: Path) -> None:
    with recording_folder() as folder:
        _python("import colorsys, subprocess, _decimal; open('/etc/hostname').close(); subprocess.run(['true'])",
                pythonpath=str(folder), cwd=tmp_path)
        recorded = collect(folder)
        assert not list(folder.glob("py-*.log"))  # collected logs go, so the next run starts empty
    assert "colorsys" in recorded.imported
    assert recorded.modules["colorsys"].endswith("colorsys.py")
    assert recorded.modules["_decimal"].endswith(".so")  # an extension is never `open`ed: its file comes this way
    assert "/etc/hostname" in recorded.opened
    assert any(program.endswith("/true") for program in recorded.programs)
    assert not any(file.startswith(str(folder)) for file in recorded.modules.values())


def test_the_recorder_runs_the_sitecustomize_it_shadows(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import builtins\nbuiltins.CHAINED = 'yes'\n")
    with recording_folder() as folder:
        result = _python("import builtins; print(builtins.CHAINED)", pythonpath=f"{folder}:{own}", cwd=tmp_path)
    assert result.stdout.strip() == "yes"


def test_the_log_parses_into_paths_and_a_torn_line_is_skipped() -> None:
    log = ("open\t/usr/lib/python3.11/__pycache__/json.cpython-311.pyc\nimport\tjson\n"
           "module\t_json\t/usr/lib/python3.11/lib-dynload/_json.so\ndlopen\t/usr/lib/libuuid.so.1\n"
           "exec\t/usr/bin/true\nmodule\ttorn")
    recorded = parse_python_log(log)
    assert recorded.imported == {"json"}
    assert recorded.modules == {"_json": "/usr/lib/python3.11/lib-dynload/_json.so"}
    assert recorded.paths() == {"/usr/lib/python3.11/__pycache__/json.cpython-311.pyc",
                                "/usr/lib/python3.11/lib-dynload/_json.so", "/usr/lib/libuuid.so.1", "/usr/bin/true"}


def test_ld_debug_output_names_the_libraries_loaded() -> None:
    text = ("     12:\tfind library=libz.so.1 [0]; searching\n     12:\t  trying file=/lib/x/libz.so.1\n"
            "     12:\tcalling init: /lib/x86_64-linux-gnu/libz.so.1\n")
    assert parse_ld_debug(text) == {"/lib/x86_64-linux-gnu/libz.so.1"}


def test_instrument_puts_the_recorder_first_and_keeps_the_images_pythonpath(tmp_path: Path) -> None:
    plan = load_project(RARELY).plan
    extra = instrument(plan, tmp_path)
    assert extra.env["PYTHONPATH"].split(":")[0] == MOUNT
    assert extra.binds == {str(tmp_path): MOUNT}
    assert extra.env["LD_DEBUG"] == "libs"


def _closure(workdir: Path, candidates: list[str]) -> dict[str, object]:
    folder = workdir.parent / "out"
    folder.mkdir()
    (folder / "candidates.txt").write_text("".join(f"{c}\n" for c in candidates))
    script = REPO / "builder" / "trace" / "inimage" / "closure.py"
    subprocess.run([sys.executable, str(script), str(workdir), str(folder)], check=True, timeout=120)
    data: dict[str, object] = json.loads((folder / "closure.json").read_text())
    return data


def test_static_closure_keeps_a_module_imported_only_inside_a_function(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "shop").mkdir(parents=True)
    (app / "shop" / "__init__.py").write_text("")
    (app / "shop" / "views.py").write_text("def rare():\n    import colorsys\n    return colorsys\n")
    (app / "manage-tool.py").write_text("import wave\n")  # not a module name: analysed as a script
    data = _closure(app, ["/etc/hostname", str(tmp_path / "nowhere")])
    modules = data["modules"]
    assert isinstance(modules, dict)
    assert {"shop.views", "colorsys", "wave"} <= set(modules)
    static = data["static"]
    assert isinstance(static, list)
    assert os.path.realpath(modules["colorsys"]) in static
    assert data["traced"] == [os.path.realpath("/etc/hostname")]  # a path that is no file here is dropped
    assert data["problems"] == []


def test_static_closure_follows_namespace_packages(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "web" / "parts").mkdir(parents=True)  # parts has no __init__.py: a namespace package
    (app / "web" / "__init__.py").write_text("from web.parts import colours\n")
    (app / "web" / "parts" / "colours.py").write_text("import colorsys\n")
    modules = _closure(app, [])["modules"]
    assert isinstance(modules, dict)
    assert {"web.parts.colours", "colorsys"} <= set(modules)


def test_the_trace_file_is_sorted_unique_with_a_header(tmp_path: Path) -> None:
    text = format_trace(["/usr/lib/b.py", "/etc/a.conf", "/usr/lib/b.py"], HEADER)
    lines = text.splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["/etc/a.conf", "/usr/lib/b.py"]
    assert "builder trace" in lines[1] and "rarely:trace-slim" in lines[1]
    assert lines[2].startswith("# Regenerate: builder --spec builder.yaml trace")
    assert parse_trace(text, file=tmp_path / "builder.trace") == ["/etc/a.conf", "/usr/lib/b.py"]


def test_a_relative_path_in_the_trace_file_is_a_user_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(BuilderError) as caught:
        parse_trace("# header\n/etc/a.conf\nusr/lib/b.py\n", file=tmp_path / "builder.trace")
    assert caught.value.line == 3
    assert "not an absolute path" in caught.value.message


def test_the_list_leaves_out_what_the_runtime_or_the_assembler_provides(tmp_path: Path) -> None:
    plan = load_project(RARELY).plan
    assert listed(plan, "/usr/lib/python3.11/colorsys.py")
    assert listed(plan, "/opt/venv/lib/python3.11/site-packages/flask/app.py")
    for path in ("/app/rarely/wsgi.py", "/opt/venv/bin/gunicorn", "/opt/venv/pyvenv.cfg", "/proc/self/status",
                 "/etc/hosts", "/tmp/x"):
        assert not listed(plan, path), path
    assert trace_path(plan, RARELY) == RARELY / "builder.trace"


def _report(**verdicts: bool) -> ValidationReport:
    checks = [Check(name, passed, "", "" if passed else "exit 1: ModuleNotFoundError: No module named 'wave'")
              for name, passed in verdicts.items()]
    return ValidationReport("rarely", "img", "containers", 18080, [], checks, ["Traceback...", "ImportError: "
                            "cannot import name 'x' from 'email.utils' (/usr/lib/python3.11/email/utils.py)"])


def test_a_module_not_found_line_names_the_slim_images_file() -> None:
    modules = {"colorsys": "/usr/lib/python3.11/colorsys.py", "email": "/usr/lib/python3.11/email/__init__.py"}
    found = missing_in(["ModuleNotFoundError: No module named 'colorsys'",
                        "FileNotFoundError: [Errno 2] No such file or directory: '/usr/share/zoneinfo/UTC'",
                        "ModuleNotFoundError: No module named 'email.nothing'"], where="x", modules=modules)
    assert [(m.kind, m.name, m.slim_file) for m in found] == [
        ("module", "colorsys", "/usr/lib/python3.11/colorsys.py"),
        ("file", "/usr/share/zoneinfo/UTC", "/usr/share/zoneinfo/UTC"),
        ("module", "email.nothing", "/usr/lib/python3.11/email/__init__.py")]
    assert "missing module colorsys (in the slim image: /usr/lib/python3.11/colorsys.py)" in found[0].describe()


def test_checks_that_differ_and_imports_that_broke_are_named() -> None:
    slim, traced = _report(app=True, smoke=True), _report(app=True, smoke=False)
    assert differing_checks(slim, traced) == ["smoke"]
    broken = broken_imports({"colorsys": "", "tkinter": "ModuleNotFoundError: No module named '_tkinter'"},
                            {"colorsys": "ModuleNotFoundError: No module named 'colorsys'",
                             "tkinter": "ModuleNotFoundError: No module named '_tkinter'"})
    assert broken == {"colorsys": "ModuleNotFoundError: No module named 'colorsys'"}  # broken in both: not the trace
    names = {m.name for m in diagnose(slim, traced, broken, modules={"wave": "/usr/lib/python3.11/wave.py"})}
    assert names == {"wave", "email.utils", "colorsys"}


def test_the_zone_file_the_c_library_reads_for_tzset_is_recorded(tmp_path: Path) -> None:
    """Django sets TZ from TIME_ZONE and calls time.tzset(): libc reads the zone file, unseen by any audit event."""
    zone = Path("/usr/share/zoneinfo/America/Chicago")
    if not zone.is_file():
        pytest.skip("this machine has no tzdata")
    with recording_folder() as folder:
        _python("import os, time; os.environ['TZ'] = 'America/Chicago'; time.tzset()", pythonpath=str(folder),
                cwd=tmp_path)
        recorded = collect(folder)
    assert str(zone) in recorded.opened
