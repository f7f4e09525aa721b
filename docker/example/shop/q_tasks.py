"""django-q2 tasks, enqueued by dotted path: async_task("shop.q_tasks.record_run_q", ...)."""
from .models import TaskRun
from .runs import record_run


def record_run_q(task_id, seconds=0.0):
    return record_run(TaskRun.KIND_Q, task_id, seconds)
