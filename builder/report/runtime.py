"""Start an image on its own and measure it: seconds to the first healthy answer, memory per worker at idle."""

from __future__ import annotations

import json
import posixpath
import time
from typing import Any

from docker.errors import DockerException

from builder.containers import Run, exited, healthcheck_of, log_tail, poll, throwaway, wait_for_health
from builder.errors import engine_words
from builder.report.model import ProcessMemory, Startup
from builder.report.packages import INTERPRETERS

START_TIMEOUT = 60.0
POLL_SECONDS = 0.05
ANSWER_TIMEOUT = 2.0  # per request while waiting for the first answer
SETTLE_SECONDS = 1.0  # after the first healthy answer, so the workers' start-up garbage is gone before measuring
SERVERS = ("gunicorn", "uvicorn")
LOG_LINES = 15
# Runs inside the container as its own user: every process with its parent, argv, resident and proportional memory.
PROCESS_SCRIPT = r"""
import json, os
def field(path, name):
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
rows = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        with open("/proc/%s/stat" % pid) as handle:
            ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            argv = [a.decode(errors="replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        continue
    rss = field("/proc/%s/status" % pid, "VmRSS:")
    if argv and rss is not None:
        rows.append(dict(pid=int(pid), ppid=ppid, argv=argv, rss=rss, pss=field("/proc/%s/smaps_rollup" % pid, "Pss:")))
print(json.dumps(rows))
"""


def measure_startup(client: Any, image: str, *, port: int, probe: str, env: dict[str, str] | None = None,
                    timeout: float = START_TIMEOUT, settle: float = SETTLE_SECONDS, healthcheck: bool = True,
                    memory: bool = True) -> Startup:
    """Start `image` with PORT=`port`, time it to the first 2xx on `probe`, then read its processes' memory.

    With `healthcheck`, also wait for the engine to call it healthy: that waits for the HEALTHCHECK's interval.
    """
    environment = {"PORT": str(port), **(env or {})}
    with throwaway(client, image, run=Run("report"), what="start", environment=environment,
                   ports={f"{port}/tcp": ("127.0.0.1", None)}, tmpfs={"/tmp": ""}) as container:
        started = time.monotonic()
        container.start()
        url = f"http://127.0.0.1:{_host_port(container, port)}{probe}"
        seconds = _first_healthy(container, url, started=started, timeout=timeout)
        if seconds is None:
            return Startup(probe, None, None, [], error=_not_healthy(container, probe, timeout))
        healthy = _engine_healthy(container, started=started, timeout=timeout) if healthcheck else None
        if not memory:
            return Startup(probe, round(seconds, 3), healthy, [])
        time.sleep(settle)
        processes, error = process_memory(container)
        return Startup(probe, round(seconds, 3), healthy, processes, error=error)


def _host_port(container: Any, port: int) -> str:
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{port}/tcp") or [{}]
    return str(bindings[0].get("HostPort", port))


def _first_healthy(container: Any, url: str, *, started: float, timeout: float) -> float | None:
    """Seconds from start to the first 2xx answer; None when the container exits or the time runs out first."""
    left = timeout - (time.monotonic() - started)
    answer, _ = poll(url, until_ok=True, timeout=left, interval=POLL_SECONDS, request_timeout=ANSWER_TIMEOUT,
                     alive=lambda: not exited(container))
    return time.monotonic() - started if answer.ok else None


def _engine_healthy(container: Any, *, started: float, timeout: float) -> float | None:
    """Seconds until the engine's HEALTHCHECK reports healthy; None for an image without one (or never healthy)."""
    probe = healthcheck_of(container)
    if not probe:
        return None
    interval = (probe.get("Interval") or 30e9) / 1e9
    health = wait_for_health(container, timeout=timeout + interval)
    return round(time.monotonic() - started, 3) if health.status == "healthy" else None


def _not_healthy(container: Any, probe: str, timeout: float) -> str:
    what = f"exited {container.attrs['State'].get('ExitCode')}" if exited(container) else "still running"
    logs = "\n".join(log_tail(container, LOG_LINES))
    return f"no 2xx from {probe} within {timeout:g} s ({what}); its log ends:\n{logs}"


def process_memory(container: Any, *, interpreters: tuple[str, ...] = INTERPRETERS) -> tuple[list[ProcessMemory], str]:
    """The container's processes with their role (master, worker, process) and memory; ([], why) on failure."""
    reasons = []
    for interpreter in interpreters:
        try:
            code, output = container.exec_run([interpreter, "-c", PROCESS_SCRIPT])
        except DockerException as exc:
            reasons.append(engine_words(exc))
            continue
        text = output.decode(errors="replace").strip()
        if code == 0 and text:
            return classify(json.loads(text.splitlines()[-1])), ""
        reasons.append(f"{interpreter}: exit {code}")
    return [], "memory not measured: " + "; ".join(reasons)


def classify(rows: list[dict[str, Any]]) -> list[ProcessMemory]:
    """A server process (gunicorn, uvicorn) whose parent is one too is a worker; the first of them is the master."""
    servers = {row["pid"] for row in rows if _is_server(row["argv"])}
    result = []
    for row in sorted(rows, key=lambda r: r["pid"]):
        role = "process" if row["pid"] not in servers else "worker" if row["ppid"] in servers else "master"
        command = " ".join(row["argv"])
        result.append(ProcessMemory(row["pid"], role, command[:160], int(row["rss"]), row.get("pss")))
    return result


def _is_server(argv: list[str]) -> bool:
    # `gunicorn ...` runs as `/opt/venv/bin/python /opt/venv/bin/gunicorn ...`; `python -m gunicorn` has it third.
    return any(posixpath.basename(arg) in SERVERS for arg in argv[:3])
