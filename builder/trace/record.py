"""The recording under validation: a host folder bound into every container of the app image, and what the
processes wrote there, parsed into paths.

Python processes write through the recorder (inimage/sitecustomize.py, first on PYTHONPATH); the dynamic loader
writes `LD_DEBUG=libs` output beside it, which names every shared object a process maps, the ones dlopen()ed at run
time (NSS modules, ctypes' libraries) included.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from builder.plan import BuildPlan
from builder.validate.processes import Instrument

MOUNT = "/builder-trace"  # where the folder appears in the containers
SCRIPTS = Path(__file__).with_name("inimage")
TOOLS = f"{MOUNT}/tools"
LD_PREFIX = "ld"
_LOADED = re.compile(r"calling init: (/\S+)")


@dataclass
class Recorded:
    """What the processes of one validation run touched."""

    opened: set[str] = field(default_factory=set)  # files opened, bytecode read by imports included
    modules: dict[str, str] = field(default_factory=dict)  # module -> its file, for every module loaded
    imported: set[str] = field(default_factory=set)  # module names imported (with a file or not)
    libraries: set[str] = field(default_factory=set)  # shared objects the loader mapped
    programs: set[str] = field(default_factory=set)  # programs executed

    def paths(self) -> set[str]:
        """Every path seen, for the slim image to say which are its regular files."""
        return self.opened | set(self.modules.values()) | self.libraries | self.programs

    def merge(self, other: Recorded) -> None:
        self.opened |= other.opened
        self.modules |= other.modules
        self.imported |= other.imported
        self.libraries |= other.libraries
        self.programs |= other.programs


@contextmanager
def recording_folder() -> Iterator[Path]:
    """A temp folder outside the app, writable by the image's non-root user, holding the in-image scripts."""
    folder = Path(tempfile.mkdtemp(prefix="builder-trace-"))
    try:
        folder.chmod(0o777)  # the app runs as its own uid; the folder is ours and removed after
        shutil.copy(SCRIPTS / "sitecustomize.py", folder)
        # The tools sit off PYTHONPATH, so their names never shadow a module of the app.
        (folder / "tools").mkdir()
        for tool in ("closure.py", "imports.py"):
            shutil.copy(SCRIPTS / tool, folder / "tools")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def instrument(plan: BuildPlan, folder: Path) -> Instrument:
    """The environment and bind that make every Python process of the app image record itself."""
    own = plan.runtime.env.get("PYTHONPATH", "")
    env = {"PYTHONPATH": MOUNT + (f":{own}" if own else ""), "LD_DEBUG": "libs",
           "LD_DEBUG_OUTPUT": f"{MOUNT}/{LD_PREFIX}"}
    return Instrument(env=env, binds={str(folder): MOUNT})


def parse_python_log(text: str) -> Recorded:
    """The recorder's `kind<TAB>value` lines; a line it did not write (a torn last line) is skipped."""
    recorded = Recorded()
    for line in text.splitlines():
        kind, _, value = line.partition("\t")
        if kind == "open":
            recorded.opened.add(value)
        elif kind == "import":
            recorded.imported.add(value)
        elif kind == "module" and "\t" in value:
            name, file = value.split("\t", 1)
            recorded.modules[name] = file
        elif kind == "dlopen" and value.startswith("/"):
            recorded.libraries.add(value)
        elif kind == "exec":
            recorded.programs.add(value)
    return recorded


def parse_ld_debug(text: str) -> set[str]:
    """The shared objects `LD_DEBUG=libs` says the loader initialised, by path."""
    return set(_LOADED.findall(text))


def collect(folder: Path) -> Recorded:
    """Everything the run recorded in `folder`, parsed; the logs are removed, so the next run starts empty."""
    recorded = Recorded()
    for log in sorted(folder.glob("py-*.log")):
        recorded.merge(parse_python_log(log.read_text(encoding="utf-8", errors="replace")))
        log.unlink()
    for log in sorted(folder.glob(f"{LD_PREFIX}.*")):
        recorded.libraries |= parse_ld_debug(log.read_text(encoding="utf-8", errors="replace"))
        log.unlink()
    return recorded
