"""Runtime profiles: what the runtime image holds (slim, distroless, traced), and what a profile with no shell
cannot run, said at plan time rather than found when the image fails to start."""

from __future__ import annotations

from pathlib import PurePosixPath

from builder.errors import SpecError
from builder.plan.model import ProcessPlan, RenderPlan

SHELLS = ("sh", "bash", "dash")
# slim keeps the base image's PATH; the profiles without a shell have only the virtualenv and the interpreter.
SHELL_FREE = ("distroless", "traced")


def has_shell(profile: str) -> bool:
    return profile not in SHELL_FREE


def runtime_path(profile: str, venv: str) -> str:
    """PATH in the image: `$PATH` only expands against a base that sets one; scratch sets none."""
    return f"{venv}/bin:$PATH" if has_shell(profile) else f"{venv}/bin:/usr/bin"


def profile_env(env: dict[str, str], profile: str, venv: str) -> dict[str, str]:
    """The runtime's environment for `profile`: PATH, and what the base image's own ENV gave the slim image and
    scratch does not, the UTF-8 locale (without it Python reads and writes files as ASCII, ANSI_X3.4-1968)."""
    kept = {key: value for key, value in env.items() if key not in ("PATH", "LANG")}
    locale = {} if has_shell(profile) else {"LANG": "C.UTF-8"}
    return kept | locale | {"PATH": runtime_path(profile, venv)}


def check_profile(profile: str, processes: list[ProcessPlan], render: RenderPlan) -> None:
    """Everything that runs in the image must run without a shell in a shell-free profile: list what does not."""
    if has_shell(profile):
        return
    uses = [f"the {p.kind} process `{p.name}` ({_words(p.command)})" for p in processes if _shell(p.command)]
    uses += [f"the {p.kind} `{p.name}` healthcheck" for p in processes if p.healthcheck and _shell(p.healthcheck)]
    if render.docker_command and render.docker_command.startswith("/bin/sh"):
        uses.append("Render's dockerCommand, which runs the release at start before the server (render.disk with "
                    "a release command)")
    if uses:
        raise SpecError(
            f"runtime.profile {profile} has no shell, but " + "; ".join(uses) + " runs through one",
            field="runtime.profile",
            hint="write the command without $VARIABLES (gunicorn reads PORT from gunicorn.conf.py; a program reads "
                 "its own environment), or keep runtime.profile: slim")


def _shell(command: list[str]) -> bool:
    return bool(command) and PurePosixPath(command[0]).name in SHELLS


def _words(command: list[str]) -> str:
    text = " ".join(command)
    return text if len(text) <= 80 else text[:77] + "..."
