"""Which async stack the example project runs with, from env EXAMPLE_ASYNC.

  celery    Celery only           django-q  django-q2 only
  both      both (the default)    none      neither

Tests use this to get a Celery-only, a django-q-only and a plain project out of
the same code.
"""
import os

_CHOICES = {"celery", "django-q", "both", "none"}


def async_mode():
    mode = os.environ.get("EXAMPLE_ASYNC", "both").strip().lower() or "both"
    if mode == "neither":
        mode = "none"
    if mode not in _CHOICES:
        raise RuntimeError(
            f"EXAMPLE_ASYNC={mode!r}: expected one of {sorted(_CHOICES)}"
        )
    return mode


def celery_enabled():
    return async_mode() in ("celery", "both")


def django_q_enabled():
    return async_mode() in ("django-q", "both")
