from django.db import models


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Order(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="orders")
    quantity = models.PositiveIntegerField(default=1)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # Added by 0003 with CREATE INDEX CONCURRENTLY (non-atomic).
            models.Index(fields=["created_at"], name="shop_order_created_idx"),
        ]


class TaskRun(models.Model):
    """One row per enqueued task; lets tests check each task ran exactly once.

    `attempts` counts executions: 1 is normal, >1 means the task ran again
    (a redelivery). A row with attempts=0 was enqueued but never started.
    """

    KIND_CELERY = "celery"
    KIND_Q = "django-q"

    kind = models.CharField(max_length=16)
    name = models.CharField(max_length=100)
    task_id = models.CharField(max_length=64, unique=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.kind}:{self.task_id}"
