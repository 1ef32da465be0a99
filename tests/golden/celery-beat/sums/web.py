import os

from flask import Flask, request
from redis import Redis

from sums.tasks import add

LATEST = "sums:latest"
app = Flask(__name__)


def _redis() -> Redis:
    return Redis.from_url(os.environ["REDIS_URL"])


@app.post("/api/sums")
def enqueue():
    body = request.get_json(silent=True) or {}
    result = add.delay(int(body.get("a", 0)), int(body.get("b", 0)))
    _redis().set(LATEST, result.id)
    return {"task": result.id, "status": "queued"}, 202


@app.get("/api/sums/latest")
def latest():
    task_id = _redis().get(LATEST)
    if task_id is None:
        return {"status": "none"}, 404
    result = add.AsyncResult(task_id.decode())
    return {"task": result.id, "status": result.status, "sum": result.result if result.ready() else None}
