"""A real registry (Debian's docker-registry, the CNCF distribution server) on a free 127.0.0.1 port, for the
integration tests and the benchmark. Docker treats 127.0.0.0/8 registries as insecure-allowed, so no TLS is needed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROGRAM = "docker-registry"


def ensure_installed() -> str:
    """The registry program; as root on Debian it is installed when missing."""
    found = shutil.which(PROGRAM)
    if found:
        return found
    if os.geteuid() == 0 and Path("/etc/debian_version").is_file():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", PROGRAM], check=True, capture_output=True, env=env,
                       timeout=600)
    found = shutil.which(PROGRAM)
    if not found:
        raise RuntimeError(f"{PROGRAM} is not installed: apt-get install {PROGRAM} (or `make test-tools` as root)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_registry() -> Iterator[str]:
    """host:port of a fresh, empty registry; stopped and its storage removed afterwards."""
    program = ensure_installed()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="builder-registry-test-") as tmp:
        config = Path(tmp) / "config.yml"
        config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {tmp}/data"
                          f"\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n")
        with subprocess.Popen([program, "serve", str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) as proc:
            try:
                _wait_until_up(f"127.0.0.1:{port}", proc)
                yield f"127.0.0.1:{port}"
            finally:
                proc.terminate()
                proc.wait(timeout=30)


def _wait_until_up(address: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{PROGRAM} exited {proc.returncode} on start")
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{PROGRAM} did not answer on {address} in {timeout:.0f} s")


def tags(address: str, repository: str) -> list[str]:
    """The tags the registry holds for a repository (its HTTP API, not docker's view)."""
    with urllib.request.urlopen(f"http://{address}/v2/{repository}/tags/list", timeout=10) as response:
        return sorted(json.load(response).get("tags") or [])
