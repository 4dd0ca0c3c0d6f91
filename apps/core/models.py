"""Monitoring rows of the platform: slow queries by fingerprint, memory snapshots, leak suspects.

All three are written by monitoring code only (never through the admin, which lists them read-only).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.choices import MemoryLevel, ProcessKind


class SlowQuery(models.Model):
    """Statements slower than SLOW_QUERY_THRESHOLD_MS, one row per normalized SQL fingerprint.

    `example_sql` is the statement as Django sent it, placeholders and all: parameter values are
    never stored (they may hold personal data).
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    normalized_sql = models.TextField()
    example_sql = models.TextField()
    database = models.CharField(max_length=64, default="default")
    last_source = models.CharField(max_length=200, blank=True, help_text="Request path or task name.")
    count = models.PositiveBigIntegerField(default=0)
    total_ms = models.FloatField(default=0)
    max_ms = models.FloatField(default=0)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-total_ms"]
        indexes = [models.Index(fields=["-total_ms"], name="slowquery_total_ms")]
        verbose_name_plural = "slow queries"

    def __str__(self) -> str:
        return self.normalized_sql[:80]

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0


class MemorySnapshot(models.Model):
    """One process's memory at one moment, and what was done about it."""

    created_at = models.DateTimeField(auto_now_add=True)
    process = models.CharField(max_length=120, help_text="host:pid")
    process_kind = models.CharField(max_length=16, choices=ProcessKind.choices)
    rss_bytes = models.PositiveBigIntegerField()
    level = models.CharField(max_length=16, choices=MemoryLevel.choices, default=MemoryLevel.NORMAL)
    gc_counts = models.JSONField(default=list, help_text="Pending allocations per GC generation (gc.get_count).")
    gc_collections = models.JSONField(default=list, help_text="Collections run per GC generation so far.")
    top_growth = models.JSONField(
        null=True, blank=True, help_text="tracemalloc: the sites that grew most since the last snapshot."
    )
    cleanups = models.JSONField(default=list, blank=True, help_text="Cleanup callbacks run after this snapshot.")
    rss_after_cleanup_bytes = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["process", "-created_at"], name="memorysnapshot_process"),
            models.Index(fields=["created_at"], name="memorysnapshot_created"),
        ]
        constraints = [models.CheckConstraint(condition=Q(level__in=MemoryLevel.values), name="memorysnapshot_level")]

    def __str__(self) -> str:
        return f"{self.process} {self.rss_bytes // (1024 * 1024)} MiB at {self.created_at:%Y-%m-%d %H:%M:%S}"


class LeakSuspect(models.Model):
    """A process whose memory grew at every one of MEMORY_LEAK_SNAPSHOTS consecutive snapshots.

    One row per process: while the growth goes on, later detections extend it.
    """

    process = models.CharField(max_length=120, unique=True, help_text="host:pid")
    process_kind = models.CharField(max_length=16, choices=ProcessKind.choices)
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    first_rss_bytes = models.PositiveBigIntegerField()
    last_rss_bytes = models.PositiveBigIntegerField()
    snapshot_count = models.PositiveIntegerField()
    first_snapshot_at = models.DateTimeField()
    last_snapshot_at = models.DateTimeField()
    top_growth = models.JSONField(null=True, blank=True, help_text="tracemalloc growth at the last detection.")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.process}: +{self.growth_bytes // (1024 * 1024)} MiB over {self.snapshot_count} snapshots"

    @property
    def growth_bytes(self) -> int:
        return self.last_rss_bytes - self.first_rss_bytes


class OutboxMessage(models.Model):
    """A Celery task to run, written in the transaction of the change that asks for it (apps/core/outbox.py).

    pending: not dispatched, not completed (due at `available_at`); dispatched: handed to the broker at
    `dispatched_at`; completed: the task ran, `completed_at` committed together with the task's own writes.
    A failed run makes it pending again after a back-off; after OUTBOX_MAX_ATTEMPTS failed runs it stays
    pending with its `last_error` and is no longer picked (given up, for staff to read).
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not dispatched before this moment.")
    attempts = models.PositiveIntegerField(default=0, help_text="Runs started (failed ones included).")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # W3C traceparent of the work that asked for the task: published in the task's headers, so the run
    # continues that trace however late beat hands the row over (apps/core/observability)
    traceparent = models.CharField(max_length=55, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            # the dispatcher's scan: only rows not completed, oldest due first
            models.Index(fields=["available_at", "id"], condition=Q(completed_at=None), name="outboxmessage_pending"),
            # the purge of completed rows
            models.Index(fields=["completed_at"], condition=~Q(completed_at=None), name="outboxmessage_completed"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.task_name}"
