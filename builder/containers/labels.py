"""One label scheme for everything builder creates on the engine, and one sweep by it.

`builder.run` is unique per run and is what `sweep` removes by; `builder.purpose` says which command made it
(validate, report, doctor, quality), so a test or a person can find one command's leftovers; `builder.app` names
the app when there is one.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from docker.errors import NotFound

LABEL_RUN = "builder.run"
LABEL_PURPOSE = "builder.purpose"
LABEL_APP = "builder.app"


def _new_id() -> str:
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Run:
    """One use of the engine by one command: the labels and names of what it creates."""

    purpose: str  # validate | report | doctor | quality
    app: str = ""
    id: str = field(default_factory=_new_id)

    @property
    def labels(self) -> dict[str, str]:
        labels = {LABEL_RUN: self.id, LABEL_PURPOSE: self.purpose}
        return labels | ({LABEL_APP: self.app} if self.app else {})

    @property
    def selector(self) -> dict[str, str]:
        """The engine's filter for everything this run created."""
        return {"label": f"{LABEL_RUN}={self.id}"}

    def name(self, what: str = "") -> str:
        """`builder-<purpose>-<run id>[-what]`: unique per run, and `docker ps` says who made it."""
        return f"builder-{self.purpose}-{self.id}" + (f"-{what}" if what else "")


def sweep(client: Any, run: Run) -> None:
    """Remove every container, then every network and volume, of this run (also after Ctrl-C)."""
    # NotFound: already gone, a context manager got there first.
    for container in client.containers.list(all=True, filters=run.selector):
        with suppress(NotFound):
            container.remove(force=True, v=True)
    for network in client.networks.list(filters=run.selector):
        with suppress(NotFound):
            network.remove()
    for volume in client.volumes.list(filters=run.selector):
        with suppress(NotFound):
            volume.remove(force=True)
