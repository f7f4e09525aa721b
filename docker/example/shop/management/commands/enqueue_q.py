from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.models import TaskRun

from . import _enqueue


class Command(BaseCommand):
    help = "Enqueue N django-q2 record_run tasks (needs EXAMPLE_ASYNC=django-q|both)."

    def add_arguments(self, parser):
        _enqueue.add_arguments(parser)

    def handle(self, count, seconds, **options):
        if not settings.EXAMPLE_DJANGO_Q:
            raise CommandError("django-q is disabled (EXAMPLE_ASYNC)")
        from django_q.tasks import async_task

        ids = _enqueue.create_runs(TaskRun.KIND_Q, count)
        for task_id in ids:
            async_task("shop.q_tasks.record_run_q", task_id, seconds, task_name=f"record_run-{task_id}")
        _enqueue.report(self.stdout, TaskRun.KIND_Q, ids)
