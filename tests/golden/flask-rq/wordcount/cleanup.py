"""The nightly cron job: drops finished jobs older than a day from Redis."""

import os

from redis import Redis
from rq import Queue
from rq.registry import FinishedJobRegistry

queue = Queue("default", connection=Redis.from_url(os.environ["REDIS_URL"]))
registry = FinishedJobRegistry(queue=queue)
removed = registry.cleanup(timestamp=None)
print(f"cleaned the finished-job registry of {queue.name}")
