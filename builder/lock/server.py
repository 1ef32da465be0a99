"""The server is always in the image: what the spec's worker class needs and the input does not list, lock adds."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.requirements import Requirement

from builder.lock.model import Root
from builder.spec import AppSpec
from builder.variants import choose_server

ORIGIN = "builder.yaml server"


def server_roots(spec: AppSpec, roots: Iterable[Root]) -> list[Root]:
    """Roots for each distribution the plan's server requires (server.requires) that the input lacks.

    `gunicorn[gevent]` in the input counts as gevent: an extra brings the package as surely as naming it.
    """
    have: set[str] = set()
    for root in roots:
        have.add(root.name)
        have.update(Requirement(root.text).extras)
    return [Root(text=name, name=name, origin=ORIGIN) for name in choose_server(spec).requires if name not in have]


def describe(spec: AppSpec, added: Iterable[Root]) -> list[str]:
    """`gunicorn: ...` for the report and the lock's comments."""
    server = choose_server(spec)
    return [f"{root.name}: the image runs gunicorn with the {server.worker_class} worker, which needs it, and "
            "the input does not list it" for root in added]
