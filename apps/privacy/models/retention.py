"""Retention: a policy per data kind, legal holds that block it, and the log of every run.

The data kinds themselves (which model, which date starts the clock, how to find the tenant and
the member of a row, which actions make sense) are code: `apps/privacy/retention/kinds.py`. A
policy names a kind by its key; a hold names a tenant or a member, and while it is active no
retention action touches data of that tenant or member.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import Member
from apps.keyring.fields import EncryptedTextField
from apps.privacy.choices import RetentionAction, RetentionRunStatus
from apps.privacy.retention.kinds import MAX_PERIOD_DAYS, policy_errors
from apps.tenants.models import Tenant


class RetentionPolicy(models.Model):
    """How long one kind of data is kept, and what happens to it then."""

    kind = models.CharField(max_length=64, unique=True, help_text="A data kind of the retention registry.")
    period_days = models.PositiveIntegerField(help_text="Days after the kind's start date before the action runs.")
    action = models.CharField(max_length=24, choices=RetentionAction.choices)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gte=1, period_days__lte=MAX_PERIOD_DAYS), name="retention_period_range"
            ),
            models.CheckConstraint(condition=Q(action__in=RetentionAction.values), name="retention_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.get_action_display().lower()} after {self.period_days} days"

    def clean(self) -> None:
        errors = policy_errors(kind=self.kind, period_days=self.period_days, action=self.action)
        if errors:
            raise ValidationError(errors)


class LegalHold(models.Model):
    """Data of one tenant or one member that no retention action may touch until the hold is released."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    placed_by = models.CharField(max_length=150)
    placed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True)
    release_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tenant__isnull=False, member__isnull=True) | Q(tenant__isnull=True, member__isnull=False),
                name="legal_hold_one_subject",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="legal_hold_reason_required"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(released_at__isnull=True), name="legal_hold_one_active_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(released_at__isnull=True), name="legal_hold_one_active_per_member"
            ),
        ]
        indexes = [models.Index(fields=["released_at"], name="legal_hold_released")]

    def __str__(self) -> str:
        subject = f"tenant {self.tenant_id}" if self.tenant_id else f"member {self.member_id}"
        return f"hold on {subject} ({'released' if self.released_at else 'active'})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class RetentionRun(models.Model):
    """One run of the retention job: per kind, how many rows matched, were held, and were acted on.

    `counts` is {kind: {"action", "period_days", "cutoff", "matched", "held", "acted", "error"}}; a dry
    run fills `acted` with what a real run would do and writes nothing else.
    """

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=RetentionRunStatus.choices, default=RetentionRunStatus.RUNNING)
    triggered_by = models.CharField(max_length=150)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    archive_path = models.CharField(max_length=500, blank=True, help_text="The run's manifest, when it archived.")
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    archive_key = EncryptedTextField(
        blank=True,
        default="",
        help_text="The key the run's archive files are sealed with (base64), encrypted by the data key ring.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RetentionRunStatus.values), name="retention_run_status_valid")
        ]
        indexes = [models.Index(fields=["dry_run", "status", "-finished_at"], name="retention_run_outcome")]

    def __str__(self) -> str:
        return f"retention run {self.pk} ({'dry run, ' if self.dry_run else ''}{self.status})"

    def total(self, name: str) -> int:
        return sum(int(item.get(name) or 0) for item in self.counts.values())
