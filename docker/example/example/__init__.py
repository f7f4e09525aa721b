# The Celery app is wired up (and `celery -A example` works) only when the
# project is built with Celery: EXAMPLE_ASYNC=celery or both (the default).
from .features import celery_enabled

if celery_enabled():
    from .celery import app as celery_app

    __all__ = ("celery_app",)
