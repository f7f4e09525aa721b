from django.core.management.base import BaseCommand, CommandError

from shop.models import TaskRun

from . import _enqueue


class Command(BaseCommand):
    help = "Enqueue N Celery record_run tasks (needs EXAMPLE_ASYNC=celery|both and Redis)."

    def add_arguments(self, parser):
        _enqueue.add_arguments(parser)

    def handle(self, count, seconds, **options):
        try:
            from example.celery import app  # noqa: F401  (configures the broker)
        except ImportError as e:
            raise CommandError(str(e))
        from shop.tasks import record_run_celery

        ids = _enqueue.create_runs(TaskRun.KIND_CELERY, count)
        for task_id in ids:
            # Celery's own task id is our id too, so redeliveries share it.
            record_run_celery.apply_async(args=[task_id, seconds], task_id=task_id)
        _enqueue.report(self.stdout, TaskRun.KIND_CELERY, ids)
