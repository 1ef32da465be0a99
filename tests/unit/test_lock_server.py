"""The server is always in the lock: what the spec's worker class needs and the input lacks is added. No network."""

from __future__ import annotations

import pytest

from builder.lock.model import Root
from builder.lock.requirements import root_from
from builder.lock.server import describe, server_roots
from builder.spec import AppSpec


def spec(kind: str = "wsgi", worker_class: str | None = None) -> AppSpec:
    server = {"worker_class": worker_class} if worker_class else {}
    return AppSpec.model_validate({"name": "shop", "app": {"module": "app:app", "kind": kind},
                                   "health": {"liveness": "/health"}, "server": server})


def roots(*texts: str) -> list[Root]:
    return [root_from(text, "requirements.txt:1") for text in texts]


@pytest.mark.parametrize(("kind", "worker", "inputs", "added"), [
    ("wsgi", None, ("flask",), ["gunicorn"]),
    ("wsgi", "gthread", ("flask", "gunicorn==23.0.0"), []),
    ("asgi", None, ("fastapi", "uvicorn"), ["gunicorn", "uvicorn-worker"]),
    ("asgi", None, ("fastapi", "Gunicorn>=22"), ["uvicorn-worker"]),
    ("wsgi", "gevent", ("flask", "gunicorn"), ["gevent"]),
    ("wsgi", "gevent", ("flask", "gunicorn[gevent]==23.0.0"), []),
])
def test_missing_server_packages_are_added(kind: str, worker: str | None, inputs: tuple[str, ...],
                                           added: list[str]) -> None:
    found = server_roots(spec(kind, worker), roots(*inputs))
    assert [r.name for r in found] == added
    assert all(r.origin == "builder.yaml server" for r in found)


def test_the_report_says_why() -> None:
    lines = describe(spec("asgi"), server_roots(spec("asgi"), roots("fastapi")))
    assert lines[0].startswith("gunicorn: the image runs gunicorn with the uvicorn_worker.UvicornWorker worker")
    assert lines[1].startswith("uvicorn-worker:") and "the input does not list it" in lines[1]
