"""The audit trail: immutable events, and the seals that chain them.

Chaining design (the issue asks us to say which one and why):

Writers never take a lock. `audit_record` inserts an `AuditEvent` carrying the SHA-256 of its own
canonical content, inside the caller's transaction, and that is all. A sealer (a Celery beat job
every few seconds, and `audit_verify` before it verifies) then takes one advisory lock and appends
an `AuditSeal` per committed-but-unsealed event, in event-id order: sequence number, event id, the
event's content hash, the previous seal's chain hash, and the chain hash over all of these. So the
chain is one global, gap-free sequence, but the hot write path (hundreds of bets per second, each
with an audit event) never serializes behind it: only the sealer does, and it seals thousands of
events per transaction.

Why not a per-event `prev_hash` filled at insert time: that needs the previous row, i.e. a lock
held until the writer commits, which turns every write in the platform (or in a tenant, with one
chain per tenant) into a queue. Sealing after commit also copes with ids committing out of order:
a seal names its event explicitly instead of assuming id ranges.

Neither table has foreign keys: the trail must outlive the users, keys and tenants it mentions,
and nothing may cascade into it. On PostgreSQL a trigger refuses UPDATE and DELETE on both tables
(migration 0002) unless the session sets `dbsbm.audit_retention = on`, which only the retention
path does. That guards against the application and its staff; someone with the database's
superuser can still bypass it, and that is what the hash chain detects.
"""

from django.db import models
from django.utils import timezone


class ActorKind(models.TextChoices):
    USER = "user", "Staff user"
    API_KEY = "api_key", "API key"
    SYSTEM = "system", "System"


class AuditEvent(models.Model):
    """One state change: who, when, in which tenant, what, to what, why, from which request."""

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_identifier = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=150)
    guild_id = models.CharField(
        max_length=20, blank=True, db_index=True, help_text="Tenant (Discord guild); blank for platform-wide."
    )
    action = models.CharField(max_length=100, db_index=True, help_text="app.verb, e.g. tenants.tenant_suspended")
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: {before, after}}")
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["guild_id", "-occurred_at"], name="audit_event_tenant_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
            models.Index(fields=["actor_kind", "actor_identifier"], name="audit_event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_label}"


class AuditSeal(models.Model):
    """The chain link of one event: sequence, its content hash, and the hash linking to the last."""

    sequence = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    content_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"seal {self.sequence} of event {self.event_id}"
