"""Celery tasks (found by app.autodiscover_tasks() when Celery is enabled)."""
from celery import shared_task

from .models import TaskRun
from .runs import record_run


@shared_task(name="shop.record_run")
def record_run_celery(task_id, seconds=0.0):
    return record_run(TaskRun.KIND_CELERY, task_id, seconds)
