"""registry: image references, credentials for the docker CLI, and pull, tag and push.

Credentials come from BUILDER_REGISTRY_USER and BUILDER_REGISTRY_PASSWORD (a CI token), else from the user's docker
config (`docker login`, credential helpers). Env credentials go into a private, temporary docker config that only
the docker CLI reads: never an argument, never a build argument, never printed, so never in a layer or a log.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder.errors import BuilderError, TransientError

USER_ENV = "BUILDER_REGISTRY_USER"
PASSWORD_ENV = "BUILDER_REGISTRY_PASSWORD"
DOCKER_HUB = "https://index.docker.io/v1/"  # the key docker config uses for Docker Hub
TIMEOUT = 900.0
NOT_FOUND = ("manifest unknown", "not found", "does not exist", "repository name not known")


def registry_host(ref: str) -> str:
    """The registry a reference names: its first part when that looks like a host, else Docker Hub."""
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def with_tag(repository: str, tag: str) -> str:
    return f"{repository}:{tag}"


def tag_word(text: str) -> str:
    """A branch or version name as a docker tag: [A-Za-z0-9_.-], at most 128 characters, no leading dot or dash."""
    return re.sub(r"[^\w.-]", "-", text).lstrip(".-")[:128]


@dataclass(frozen=True)
class Registry:
    """The docker CLI with the credentials for one registry; pull, tag and push through it."""

    docker: str
    config_dir: Path | None  # a private docker config holding env credentials; None: the user's own
    secret: str = ""

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) for the docker CLI: the private config, no raw secret."""
        env = without_credentials(dict(os.environ) if base is None else base)
        if self.config_dir:
            env["DOCKER_CONFIG"] = str(self.config_dir)
        return env

    def pull_cache(self, sources: list[str]) -> tuple[list[str], list[str]]:
        """The cache sources that could be pulled, and a note for each that could not (other than a first build's)."""
        present, notes = [], []
        for ref in dict.fromkeys(sources):
            reason = self.pull(ref)
            if not reason:
                present.append(ref)
            elif not missing(reason):
                notes.append(f"no cache from {ref}: {reason}")
        return present, notes

    def pull(self, ref: str) -> str:
        """Pull `ref`; "" when it is there, else why not (a missing image is normal: the first build has none)."""
        done = self._run(["pull", "--quiet", ref])
        return "" if done.returncode == 0 else self._words(done)

    def tag(self, source: str, ref: str) -> None:
        self._must(["tag", source, ref], doing=f"tagging {ref}")

    def push(self, ref: str) -> None:
        self._must(["push", "--quiet", ref], doing=f"pushing {ref}")

    def _must(self, argv: list[str], *, doing: str) -> None:
        done = self._run(argv)
        if done.returncode == 0:
            return
        words = self._words(done)
        error = TransientError if _transient(words) else BuilderError
        raise error(f"{doing}: {words}", hint=f"log in with `docker login {registry_host(argv[-1])}`, or set "
                    f"{USER_ENV} and {PASSWORD_ENV}; check the repository name and that the token may push to it")

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([self.docker, *argv], capture_output=True, text=True, env=self.env(),
                                  timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise TransientError(f"docker {argv[0]} {argv[-1]}: no answer in {TIMEOUT:.0f} s",
                                 hint="check the registry is reachable and try again") from None

    def _words(self, done: subprocess.CompletedProcess[str]) -> str:
        text = (done.stderr or done.stdout).strip().splitlines()
        last = text[-1] if text else f"docker exited {done.returncode}"
        return last.replace(self.secret, "***") if self.secret else last


def without_credentials(env: dict[str, str]) -> dict[str, str]:
    """The environment without builder's registry variables, for every process builder starts."""
    return {k: v for k, v in env.items() if k not in (PASSWORD_ENV, USER_ENV)}


def _transient(words: str) -> bool:
    return any(w in words.lower() for w in ("timeout", "connection refused", "no such host", "tls handshake"))


def missing(reason: str) -> bool:
    """A pull that failed only because the image is not (yet) in the registry."""
    return any(w in reason.lower() for w in NOT_FOUND)


@contextmanager
def registry_for(ref: str, docker: str) -> Iterator[Registry]:
    """The registry of `ref`, with the environment's credentials if set (removed afterwards), else the user's."""
    user, password = os.environ.get(USER_ENV, ""), os.environ.get(PASSWORD_ENV, "")
    if not (user and password):
        if user or password:
            raise BuilderError(f"only one of {USER_ENV} and {PASSWORD_ENV} is set",
                               hint="set both (user name and token), or neither to use `docker login`")
        yield Registry(docker, None)
        return
    with tempfile.TemporaryDirectory(prefix="builder-registry-") as tmp:
        config = Path(tmp) / "config.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps(_config_with(registry_host(ref), user, password)))
        yield Registry(docker, Path(tmp), secret=password)


def _config_with(host: str, user: str, password: str) -> dict[str, Any]:
    """The user's docker config (other registries keep their logins) with these credentials for `host`.

    A credsStore would be asked before `auths` for every registry, so it goes; per-registry helpers stay.
    """
    own = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
    try:
        config: dict[str, Any] = json.loads(own.read_text()) if own.is_file() else {}
    except (OSError, ValueError):
        config = {}
    config.pop("credsStore", None)
    config.get("credHelpers", {}).pop(host, None)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config["auths"] = {**config.get("auths", {}), host: {"auth": auth}}
    return config
