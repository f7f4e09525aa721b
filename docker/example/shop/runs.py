"""Shared body of the Celery and django-q2 test tasks."""
import os
import socket
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import TaskRun


def record_run(kind, task_id, seconds, name="record_run"):
    """Record a start (idempotent on task_id), sleep, record the finish.

    A second execution of the same task_id (a redelivery) bumps `attempts`
    instead of creating a row, so duplicates are countable.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    with transaction.atomic():
        TaskRun.objects.get_or_create(task_id=task_id, defaults={"kind": kind, "name": name})
        TaskRun.objects.filter(task_id=task_id, started_at__isnull=True).update(started_at=timezone.now())
        TaskRun.objects.filter(task_id=task_id).update(attempts=F("attempts") + 1, worker=worker)
    time.sleep(float(seconds))
    TaskRun.objects.filter(task_id=task_id).update(finished_at=timezone.now())
    return task_id
