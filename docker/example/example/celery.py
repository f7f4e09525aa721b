"""Celery app for the example project (`celery -A example worker`).

Importable only when EXAMPLE_ASYNC is `celery` or `both`: otherwise importing
it raises ImportError, just as in a project that has no Celery at all.
"""
import os

from .features import async_mode, celery_enabled

if not celery_enabled():
    raise ImportError(f"Celery is disabled (EXAMPLE_ASYNC={async_mode()})")

from celery import Celery  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

app = Celery("example")
# All CELERY_* settings in example/settings.py.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
