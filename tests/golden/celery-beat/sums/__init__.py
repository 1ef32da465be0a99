"""Sums added up by a celery worker; beat schedules a heartbeat task every 10 seconds."""

import os

from celery import Celery

celery_app = Celery("sums", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
celery_app.conf.update(
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={"heartbeat": {"task": "sums.tasks.heartbeat", "schedule": 10.0}},
)
celery_app.autodiscover_tasks(["sums"])
