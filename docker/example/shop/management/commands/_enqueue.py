"""Shared code of enqueue_celery / enqueue_q."""
import json
import uuid

from django.utils import timezone

from shop.models import TaskRun


def add_arguments(parser):
    parser.add_argument("count", type=int, help="number of tasks to enqueue")
    parser.add_argument("--seconds", type=float, default=0.0, help="how long each task sleeps")


def create_runs(kind, count):
    """Pre-create the TaskRun rows, so never-started tasks show up in reports."""
    now = timezone.now()
    ids = [uuid.uuid4().hex for _ in range(count)]
    TaskRun.objects.bulk_create(
        TaskRun(kind=kind, name="record_run", task_id=i, enqueued_at=now) for i in ids
    )
    return ids


def report(stdout, kind, ids):
    stdout.write(json.dumps({"kind": kind, "enqueued": len(ids), "task_ids": ids}))
