import os

from flask import Flask
from redis import Redis

app = Flask(__name__)
cache = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


@app.route("/")
def index():
    return f"seen {cache.incr('visits')} times\n"


@app.route("/health")
def health():
    return "ok\n"
