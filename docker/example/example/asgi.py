"""ASGI entry point: gunicorn -k uvicorn_worker.UvicornWorker example.asgi"""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

application = get_asgi_application()
