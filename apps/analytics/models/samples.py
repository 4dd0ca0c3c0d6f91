"""Telemetry samples: the platform's own operational figures, one row per minute (later per hour) and series.

Written by the beat sampler (apps/analytics/telemetry/sampler.py), read by sources/samples.py. Counters are
the *increase* in the period (deltas of the running totals in Redis), so rows add up over any range;
snapshots are a value at the moment of sampling. Which fields a kind uses:

* requests — per surface, route and tenant: `count` (answers), `client_errors` (4xx), `errors` (5xx),
  `latency_ms_sum` and `latency_buckets` (request counts per histogram bucket,
  apps.core.monitoring.requests.LATENCY_BOUNDS_MS then +Inf);
* cache — per namespace (`component`): `count` (reads: hits, misses, stale and refreshed values), `hits`;
* queue — per broker queue, and `outbox` for the task outbox's due, undispatched rows (`component`):
  `value` (messages waiting);
* worker_memory — all worker processes: `value` (their resident memory, bytes), `count` (processes).

Minute rows older than TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS are compacted into hour rows (counters added,
a snapshot's last minute kept) and every row older than TELEMETRY_RETENTION_DAYS is deleted
(apps/analytics/telemetry/retention.py). No foreign key to the tenant: the guild id is what the
dimension shows, and a sample outlives a tenant that is gone.
"""

from django.db import models

from apps.analytics.choices import SampleKind, SampleResolution


class TelemetrySample(models.Model):
    kind = models.CharField(max_length=16, choices=SampleKind.choices)
    resolution = models.CharField(max_length=8, choices=SampleResolution.choices, default=SampleResolution.MINUTE)
    bucket = models.DateTimeField(help_text="Start of the minute (or hour) the figures belong to.")
    surface = models.CharField(max_length=8, blank=True, help_text="api, portal, admin or other (requests).")
    route = models.CharField(max_length=200, blank=True, help_text="The URL pattern's name (requests).")
    tenant = models.CharField(max_length=20, blank=True, help_text="The guild id; empty: no tenant.")
    component = models.CharField(max_length=200, blank=True, help_text="Cache namespace or queue name.")
    count = models.BigIntegerField(default=0)
    client_errors = models.BigIntegerField(default=0)
    errors = models.BigIntegerField(default=0)
    hits = models.BigIntegerField(default=0)
    latency_ms_sum = models.FloatField(default=0)
    latency_buckets = models.JSONField(default=list, blank=True)
    value = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "resolution", "bucket", "surface", "route", "tenant", "component"],
                name="telemetrysample_one_row_per_series_and_bucket",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "bucket"], name="telemetrysample_kind_bucket"),
            models.Index(fields=["kind", "tenant", "bucket"], name="telemetrysample_kind_tenant"),
            models.Index(fields=["resolution", "bucket"], name="telemetrysample_compaction"),
        ]

    def __str__(self) -> str:
        series = "/".join(part for part in (self.surface, self.route, self.tenant, self.component) if part)
        return f"{self.kind} {self.bucket:%Y-%m-%d %H:%M} {series}".strip()


class TelemetryCursor(models.Model):
    """The sampler's previous reading of the running totals in Redis, so each sample stores the increase.

    Locked (SELECT … FOR UPDATE) by the sampler for the whole sampling: two samplers never read the same
    increase, and the reading and the samples commit together.
    """

    name = models.CharField(max_length=32, primary_key=True)
    readings = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
