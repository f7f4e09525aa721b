"""Slow data migration: sleeps EXAMPLE_SLOW_MIGRATION_SECONDS (default 0), then
seeds products and orders.

Tests set the variable to keep `migrate` running (e.g. to check that djinit
does not start the web server before migrations are done, or how it handles a
signal during migrate). The sleep happens inside the migration's transaction.
"""
import os
import time
from decimal import Decimal

from django.db import migrations

PRODUCTS = [
    ("TEA-001", "Green tea", Decimal("4.50")),
    ("TEA-002", "Black tea", Decimal("3.90")),
    ("MUG-001", "Mug", Decimal("9.00")),
]
ORDERS = 2000  # enough rows that 0003's concurrent index build does real work


def seed(apps, schema_editor):
    seconds = float(os.environ.get("EXAMPLE_SLOW_MIGRATION_SECONDS", "0") or 0)
    if seconds > 0:
        print(f"\n  shop.0002: sleeping {seconds}s (EXAMPLE_SLOW_MIGRATION_SECONDS)", flush=True)
        time.sleep(seconds)
    Product = apps.get_model("shop", "Product")
    Order = apps.get_model("shop", "Order")
    products = [Product.objects.create(sku=s, name=n, price=p) for s, n, p in PRODUCTS]
    Order.objects.bulk_create(
        Order(product=products[i % len(products)], quantity=1 + i % 5, note=f"seed {i}")
        for i in range(ORDERS)
    )


def unseed(apps, schema_editor):
    apps.get_model("shop", "Product").objects.filter(sku__in=[p[0] for p in PRODUCTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
