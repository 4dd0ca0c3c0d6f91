"""Enumerations of the analytics app."""

from django.db import models


class SampleKind(models.TextChoices):
    """What a telemetry sample measures (apps/analytics/models/samples.py says which fields each one uses)."""

    REQUESTS = "requests", "Requests"
    CACHE = "cache", "Cache reads"
    QUEUE = "queue", "Queue depth"
    WORKER_MEMORY = "worker_memory", "Worker memory"


class SampleResolution(models.TextChoices):
    MINUTE = "minute", "Minute"
    HOUR = "hour", "Hour"
