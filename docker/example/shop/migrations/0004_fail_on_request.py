"""Fails on purpose when EXAMPLE_FAIL_MIGRATION=1; a no-op otherwise.

Tests use it to check how djinit reports a failed `migrate` (and that the web
server is not started). Nothing is recorded when it fails, so a later run with
the variable unset applies it normally.
"""
import os

from django.db import migrations


def maybe_fail(apps, schema_editor):
    if os.environ.get("EXAMPLE_FAIL_MIGRATION") == "1":
        raise RuntimeError(
            "shop.0004_fail_on_request: failing on purpose because EXAMPLE_FAIL_MIGRATION=1"
        )


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_order_created_idx_concurrently")]

    operations = [migrations.RunPython(maybe_fail, migrations.RunPython.noop)]
