"""builder trace's recorder, run by every Python process of the app image under `builder trace`.

It sits first on PYTHONPATH in a directory bound from the host, so `site` imports it at start-up. An audit hook
(PEP 578) writes what the process opens, imports, dlopens and executes to `py-<pid>.log` in that directory, one
`kind<TAB>value` per line as it happens (a worker killed later keeps what it wrote). Then the image's own
sitecustomize, which this file shadows, runs as it would have.
"""
# It runs on the image's interpreter before anything else: only os and sys, nothing that would itself be recorded.

from __future__ import annotations

import atexit
import os
import sys
from typing import Any, TextIO

HERE = os.path.dirname(os.path.abspath(__file__))
EVENTS = frozenset({"open", "import", "ctypes.dlopen", "os.exec", "os.posix_spawn", "subprocess.Popen"})
_state: dict[str, Any] = {"out": None, "busy": False, "seen": set()}


def _output() -> TextIO:
    out: TextIO | None = _state["out"]
    if out is None:
        out = open(os.path.join(HERE, f"py-{os.getpid()}.log"), "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        _state["out"] = out
    return out


def _write(kind: str, value: str) -> None:
    if "\n" not in value and "\t" not in kind:
        _output().write(f"{kind}\t{value}\n")


def _path(value: object) -> str | None:
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, str) or not value:
        return None
    path = os.path.abspath(value)
    return None if path.startswith(HERE + os.sep) else path


def _program(value: object) -> str | None:
    """An executed program's path: a bare name is looked up on PATH, as exec*p does."""
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, str) or not value:
        return None
    if os.sep in value:
        return _path(value)
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, value)
        if os.path.isfile(candidate):
            return candidate
    return None


def _sweep() -> None:
    """Modules in sys.modules not yet written, with their files: the .so of an extension never shows as `open`."""
    seen: set[str] = _state["seen"]
    for name, module in list(sys.modules.items()):
        if name not in seen:
            seen.add(name)
            file = _path(getattr(module, "__file__", None))
            if file:  # the recorder's own file is left out, as _path leaves out the folder
                _write("module", f"{name}\t{file}")


def _record(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path = _path(args[0])
        if path:
            _write("open", path)
    elif event == "import":
        _sweep()
        _write("import", str(args[0]))
    elif event == "ctypes.dlopen":
        _write("dlopen", str(args[0]))
    else:  # os.exec, os.posix_spawn, subprocess.Popen: the program first, else argv[0]
        argv = args[1]
        program = _program(args[0] or (argv[0] if isinstance(argv, (list, tuple)) and argv else argv))
        if program:
            _write("exec", program)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in EVENTS or _state["busy"]:
        return
    _state["busy"] = True  # the hook's own open (its log) must not record itself
    try:
        _record(event, args)
    except Exception:  # a recorder must never break the app it watches
        pass
    finally:
        _state["busy"] = False


def _zone() -> None:
    """The C library reads $TZ's zone file itself (time.tzset, localtime), where no audit event sees it; Django sets
    TZ from TIME_ZONE and calls tzset. So the zone named at start and at each tzset is recorded as opened."""
    zone = os.environ.get("TZ", "").lstrip(":")
    if zone and not zone.startswith("/") and ".." not in zone:
        path = os.path.join(os.environ.get("TZDIR", "/usr/share/zoneinfo"), zone)
        if os.path.isfile(path):
            _write("open", path)


def _watch_tzset() -> None:
    import time

    original = time.tzset

    def tzset() -> None:
        try:  # noqa: SIM105 (contextlib is not imported here: the recorder loads only os and sys)
            _zone()
        except Exception:  # the recorder never breaks the app
            pass
        original()

    time.tzset = tzset


def _forked() -> None:
    _state["out"] = None  # the child writes its own file, under its own pid


def _chain() -> None:
    """The image's own sitecustomize (Debian ships one), found on the path without this directory, run once."""
    import importlib.machinery
    import importlib.util

    path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


sys.addaudithook(_hook)
os.register_at_fork(after_in_child=_forked)
atexit.register(_sweep)
_state["busy"] = True
_sweep()  # what the interpreter imported before site ran (encodings, codecs...), read before the hook existed
_zone()
_state["busy"] = False
_watch_tzset()
_chain()
