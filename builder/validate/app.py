"""The app image under test: the app container as a platform runs it, and where the host reaches it."""

from __future__ import annotations

from typing import Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from builder.containers import Run
from builder.plan.model import RuntimeSecurity

RELEASE_TIMEOUT = 180.0


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


def app_container(image: str, env: dict[str, str], network: Network, run: Run,
                  *, security: RuntimeSecurity, command: list[str] | None = None) -> DockerContainer:
    """The image as a platform runs it: its own USER, read-only, no capabilities, no privilege escalation."""
    options = run_options(security)
    tmpfs = options.pop("tmpfs")  # testcontainers takes tmpfs mounts by method, not by keyword
    container = DockerContainer(image, env=env, labels=run.labels, **options)
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
