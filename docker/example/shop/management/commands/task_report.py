import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q, Sum

from shop.models import TaskRun


def counts(kind=None):
    qs = TaskRun.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    c = qs.aggregate(
        total=Count("id"),
        started=Count("id", filter=Q(attempts__gte=1)),
        finished=Count("id", filter=Q(finished_at__isnull=False)),
        never_started=Count("id", filter=Q(attempts=0)),
        running_or_lost=Count("id", filter=Q(attempts__gte=1, finished_at__isnull=True)),
        duplicates=Count("id", filter=Q(attempts__gt=1)),
        executions=Sum("attempts"),
    )
    c["executions"] = c["executions"] or 0
    c["kind"] = kind or "all"
    return c


class Command(BaseCommand):
    help = (
        "Print TaskRun counts as JSON: total, started, finished, never_started, "
        "running_or_lost, duplicates (tasks run more than once), executions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=[TaskRun.KIND_CELERY, TaskRun.KIND_Q])
        parser.add_argument(
            "--wait-finished", type=int, metavar="N",
            help="first wait until at least N tasks have finished (exit 1 on timeout)",
        )
        parser.add_argument("--timeout", type=float, default=60.0)
        parser.add_argument("--reset", action="store_true", help="delete the rows after printing")

    def handle(self, kind, wait_finished, timeout, reset, **options):
        c = counts(kind)
        if wait_finished is not None:
            deadline = time.monotonic() + timeout
            while c["finished"] < wait_finished and time.monotonic() < deadline:
                time.sleep(0.2)
                c = counts(kind)
        self.stdout.write(json.dumps(c, sort_keys=True))
        if reset:
            qs = TaskRun.objects.all()
            if kind:
                qs = qs.filter(kind=kind)
            qs.delete()
        if wait_finished is not None and c["finished"] < wait_finished:
            raise CommandError(f"timed out: {c['finished']} of {wait_finished} tasks finished")
