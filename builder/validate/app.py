"""The app image under test: its environment, the release command, the app container, and HTTP to it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from builder.plan.model import RuntimeSecurity

RELEASE_TIMEOUT = 180.0
HTTP_TIMEOUT = 5.0  # Render's health checks want an answer within 5 s


def run_options(security: RuntimeSecurity) -> dict[str, Any]:
    """`docker run` settings from the plan's RuntimeSecurity, the entry the Kubernetes manifests read too.

    The user stays the image's own USER (compose and Render do not override it either): the non-root check proves
    the image sets the plan's uid and gid.
    """
    security_opt = ["no-new-privileges:true"] if security.no_new_privileges else []
    if security.seccomp != "RuntimeDefault":  # Docker applies its default profile unless told otherwise
        security_opt.append(f"seccomp={security.seccomp.lower()}")
    return {"read_only": security.read_only_root, "tmpfs": dict.fromkeys(security.tmpfs, ""),
            "cap_drop": list(security.drop_capabilities), "security_opt": security_opt}


def app_container(image: str, env: dict[str, str], network: Network, labels: dict[str, str],
                  *, security: RuntimeSecurity, command: list[str] | None = None) -> DockerContainer:
    """The image as a platform runs it: its own USER, read-only, no capabilities, no privilege escalation."""
    options = run_options(security)
    tmpfs = options.pop("tmpfs")  # testcontainers takes tmpfs mounts by method, not by keyword
    container = DockerContainer(image, env=env, labels=labels, **options)
    for path in tmpfs:
        container.with_tmpfs_mount(path)
    if command:
        container.with_command(command)
    return container.with_network(network)


def address(container: DockerContainer, network: Network) -> str:
    """The container's IP on the private network, which the host reaches directly on Linux."""
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    ip: str = wrapped.attrs["NetworkSettings"]["Networks"][network.name]["IPAddress"]
    return ip


@dataclass(frozen=True)
class HttpAnswer:
    """What an HTTP request got: a status and body, or the reason there was no answer."""

    status: int | None
    body: str
    error: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        if self.status is None:
            return f"no answer: {self.error}"
        body = " ".join(self.body.split())
        return f"{self.status} {body[:160]}"


def http_request(url: str, *, method: str = "GET", json_body: Any = None, timeout: float = HTTP_TIMEOUT,
                 host: str | None = None) -> HttpAnswer:
    """One request; never raises for an HTTP status or a refused connection. `host`: the Host header to send
    (Django checks it against ALLOWED_HOSTS), instead of the address in `url`."""
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if host:
        request.add_header("Host", host)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _text(response.read()), "", time.monotonic() - started)
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, _text(exc.read()), "", time.monotonic() - started)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return HttpAnswer(None, "", str(reason), time.monotonic() - started)


def poll(url: str, *, until_ok: bool, timeout: float, interval: float = 0.5,
         host: str | None = None) -> tuple[HttpAnswer, float]:
    """Ask `url` until its answer is (or is no longer) 2xx; the last answer and the seconds it took."""
    started = time.monotonic()
    while True:
        answer = http_request(url, host=host)
        elapsed = time.monotonic() - started
        if answer.ok == until_ok or elapsed >= timeout:
            return answer, elapsed
        time.sleep(interval)


def _text(raw: bytes) -> str:
    return raw.decode(errors="replace")
