import time

from sums import celery_app


@celery_app.task
def add(a: int, b: int) -> int:
    return a + b


@celery_app.task
def heartbeat() -> float:
    return time.time()
