"""Settings for the djinit example project. Everything tunable comes from env.

See docker/example/README.md for the variables.
"""
import os
from pathlib import Path

import dj_database_url

from .features import celery_enabled, django_q_enabled

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-djinit-example-dev-key-not-for-production"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shop",
]
if django_q_enabled():
    INSTALLED_APPS.append("django_q")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves STATIC_ROOT so that gunicorn alone serves /static/.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"
ASGI_APPLICATION = "example.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# conn_max_age=0: a connection per request/task, closed afterwards, so tests
# see no lingering connections (and PgBouncer's transaction mode stays simple).
DATABASES = {
    "default": dj_database_url.config(
        default="postgres://djinit:djinit-test-pw@127.0.0.1:15432/djinit",
        conn_max_age=0,
    )
}
# Named server-side cursors (QuerySet.iterator()) break under PgBouncer's
# transaction pooling; the example must work both direct and through it.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed + compressed copies; the original names are served as well. Until
    # collectstatic has run, /static/ 404s (a signal tests can use).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# ---- Celery (used only when EXAMPLE_ASYNC is celery/both) -------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:16379/0")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Results are not stored: tasks record their runs in shop.TaskRun instead.
CELERY_TASK_IGNORE_RESULT = True
# One task at a time per worker process, so a shutdown test knows what runs.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = env_bool("EXAMPLE_CELERY_ACKS_LATE", False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---- django-q2 (used only when EXAMPLE_ASYNC is django-q/both) --------------
if django_q_enabled():
    Q_CLUSTER = {
        "name": "example",
        "orm": "default",  # the database is the broker: no Redis needed
        "workers": int(os.environ.get("EXAMPLE_Q_WORKERS", "2")),
        "timeout": int(os.environ.get("EXAMPLE_Q_TIMEOUT", "60")),
        "retry": int(os.environ.get("EXAMPLE_Q_RETRY", "90")),  # must exceed timeout
        "max_attempts": 1,
        "queue_limit": 10,
        "bulk": 1,
        "poll": 0.2,  # seconds between ORM broker polls
        "catch_up": False,
        "save_limit": 250,
        "label": "Django Q",
    }

# Sanity: celery/django-q flags are read at import; keep them visible to code.
EXAMPLE_CELERY = celery_enabled()
EXAMPLE_DJANGO_Q = django_q_enabled()
