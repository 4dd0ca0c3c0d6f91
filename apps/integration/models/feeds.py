"""The results feed (issue #15, item 3): the sources beat pulls, and a log row per run."""

from django.db import models
from django.db.models import Q

from apps.core.outbound import Endpoint
from apps.integration.upstreams.choices import BalancingStrategy


class FeedRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    NOT_MODIFIED = "not_modified", "Not modified (304)"
    FAILED = "failed", "Failed"


class FeedSource(models.Model):
    """A sports results feed: its mirrors (`base_urls`, the URL of the games list on each, balanced by
    `strategy`, `mirror_weights` {url: weight} for weighted round robin), how often beat pulls it, and what
    the last run left for the next: the validators of a conditional request and the feed's cursor."""

    name = models.SlugField(max_length=60, unique=True)
    base_urls = models.JSONField(default=list, help_text="The games list URL on each mirror.")
    mirror_weights = models.JSONField(default=dict, blank=True, help_text="{url: weight}; 1 when absent.")
    strategy = models.CharField(max_length=32, choices=BalancingStrategy.choices, default=BalancingStrategy.ROUND_ROBIN)
    is_enabled = models.BooleanField(default=True)
    interval_seconds = models.PositiveIntegerField(default=300)
    etag = models.CharField(max_length=256, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    cursor = models.CharField(max_length=512, blank=True)
    newest_item_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    # the run lock: a run takes the lease in one UPDATE, so two runs of one source never overlap
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(interval_seconds__gte=10), name="feed_source_interval_min"),
            models.CheckConstraint(condition=Q(strategy__in=BalancingStrategy.values), name="feed_source_strategy"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def upstream(self) -> str:
        """The name of its breaker and balancer."""
        return f"feed:{self.name}"

    @property
    def mirror_endpoints(self) -> list[Endpoint]:
        weights = self.mirror_weights or {}
        return [Endpoint(url=url, weight=max(1, int(weights.get(url, 1)))) for url in self.base_urls]


class FeedSyncRun(models.Model):
    """One pull of a source: what it fetched and wrote, or why it failed (then it wrote nothing)."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=FeedRunStatus.choices, default=FeedRunStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    endpoint = models.CharField(max_length=500, blank=True, help_text="The mirror that served the run.")
    pages = models.PositiveIntegerField(default=0)
    games_seen = models.PositiveIntegerField(default=0)
    games_created = models.PositiveIntegerField(default=0)
    games_updated = models.PositiveIntegerField(default=0)
    results_posted = models.PositiveIntegerField(default=0)
    items_rejected = models.PositiveIntegerField(default=0)
    odds_seen = models.PositiveIntegerField(default=0, help_text="Odds quotes in the listing's games.")
    odds_created = models.PositiveIntegerField(
        default=0, help_text="New quotes written (a repeated or unmoved price writes none)."
    )
    errors = models.JSONField(default=list, blank=True)
    newest_item_at = models.DateTimeField(null=True, blank=True)
    lag_seconds = models.FloatField(null=True, blank=True, help_text="Finish time minus the newest item's update.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["source", "-started_at"], name="feed_run_source_started")]
        constraints = [models.CheckConstraint(condition=Q(status__in=FeedRunStatus.values), name="feed_run_status")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"
