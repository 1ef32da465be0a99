"""Word counts done by an rq worker: the web process enqueues, the worker counts, Redis holds both."""

import os

from flask import Flask, request
from redis import Redis
from rq import Queue

from wordcount.tasks import count_words

LATEST = "wordcount:latest"


def redis() -> Redis:
    return Redis.from_url(os.environ["REDIS_URL"])


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/api/counts")
    def enqueue():
        text = (request.get_json(silent=True) or {}).get("text", "")
        job = Queue("default", connection=redis()).enqueue(count_words, text)
        redis().set(LATEST, job.id)
        return {"job": job.id, "status": "queued"}, 202

    @app.get("/api/counts/latest")
    def latest():
        job_id = redis().get(LATEST)
        if job_id is None:
            return {"status": "none"}, 404
        job = Queue("default", connection=redis()).fetch_job(job_id.decode())
        if job is None:
            return {"status": "gone"}, 404
        return {"job": job.id, "status": job.get_status(), "words": job.return_value()}

    return app
