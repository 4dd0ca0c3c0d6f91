from django.db import models


class MemoryLevel(models.TextChoices):
    """How close a process is to its memory limit; the order of the values is the order of severity."""

    NORMAL = "normal", "Normal"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


MEMORY_LEVEL_ORDER = {level: rank for rank, level in enumerate(MemoryLevel.values)}


class ProcessKind(models.TextChoices):
    WEB = "web", "Web"
    WORKER = "worker", "Worker"
    OTHER = "other", "Other"
