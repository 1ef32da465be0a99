import os

from celery import Celery

celery = Celery("mailer", broker=os.environ["CELERY_BROKER_URL"])


@celery.task
def deliver(message):
    return len(message)
