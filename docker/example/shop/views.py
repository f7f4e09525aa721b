import json
import os
import time

from django.http import HttpResponse

from .models import Product


def index(request):
    # Touches the database on purpose: a 200 here means the DB is reachable.
    return HttpResponse(f"example ok: {Product.objects.count()} products\n", content_type="text/plain")


def slow(request):
    """Sleep ?seconds=N (float, capped at 600) then answer: for drain tests."""
    try:
        seconds = min(max(float(request.GET.get("seconds", "1")), 0.0), 600.0)
    except ValueError:
        return HttpResponse("seconds must be a number\n", status=400, content_type="text/plain")
    time.sleep(seconds)
    return HttpResponse(f"slept {seconds}\n", content_type="text/plain")


def health(request):
    return HttpResponse("ok\n", content_type="text/plain")


def health_deep(request):
    """500 while the file named by EXAMPLE_UNHEALTHY_FILE exists. No database."""
    marker = os.environ.get("EXAMPLE_UNHEALTHY_FILE")
    if marker and os.path.exists(marker):
        return HttpResponse(f"unhealthy: {marker} exists\n", status=500, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def whoami(request):
    """Which process answered: lets reload tests see workers being replaced."""
    body = {"pid": os.getpid(), "ppid": os.getppid()}
    return HttpResponse(json.dumps(body) + "\n", content_type="application/json")
