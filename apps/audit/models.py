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
superuser can still bypass it, and that is what the chain detects.

Against that someone the chain is keyed and anchored outside the database (issue #11):

* every seal's chain hash is an HMAC-SHA256 under a key the database does not hold (apps/audit/keys.py:
  derived from a secret stored only wrapped by the master key), so rewriting an event and recomputing
  every later link needs DBSBM_MASTER_KEY; seals made before keying ("sha256", up to the sequence bound
  into the wrapped secret) stay as they were and are anchored by the first keyed seal after them;
* signed checkpoints of the head (Ed25519, apps/audit/checkpoints.py) are written once to a place
  outside the database, so a chain cut short, or cut and grown again, disagrees with them.
"""

from django.db import models
from django.utils import timezone

from apps.audit.hashing import KEYED_ALGORITHM, LEGACY_ALGORITHM
from apps.keyring.fields import EncryptedIPAddressField, EncryptedTextField


class ActorKind(models.TextChoices):
    USER = "user", "Staff user"
    API_KEY = "api_key", "API key"
    SYSTEM = "system", "System"


class SealAlgorithm(models.TextChoices):
    LEGACY = LEGACY_ALGORITHM, "SHA-256 (unkeyed, sealed before the chain was keyed)"
    KEYED = KEYED_ALGORITHM, "HMAC-SHA256 (the audit chain's key)"


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
    # personal data: encrypted at rest (apps/keyring); the content hash covers the plaintext, so key
    # rotation (the only UPDATE the trigger lets through, and only of this column) keeps the chain valid
    ip_address = EncryptedIPAddressField(null=True, blank=True)
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
    algorithm = models.CharField(max_length=16, choices=SealAlgorithm.choices)
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"seal {self.sequence} of event {self.event_id}"


class AuditArchiveCheckpoint(models.Model):
    """Where an archived stretch of the chain ends; the chain left in the tables continues from here.

    Retention archives the oldest sealed events (a contiguous run of seal sequences) to a
    `.jsonl.gz` file and deletes them with their seals. The checkpoint keeps the chain hash of the
    last archived seal, so verification starts at `last_sequence + 1` from `chain_hash`; the file
    itself verifies from `previous_hash` to `chain_hash` (its SHA-256 is `archive_sha256`).
    Checkpoints chain too: each one starts where the last ended. Append-only, with no retention
    bypass (trigger, migration 0004).
    """

    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField(unique=True)
    last_event_id = models.BigIntegerField()
    previous_hash = models.CharField(max_length=64, help_text="Chain hash before first_sequence.")
    chain_hash = models.CharField(max_length=64, help_text="Chain hash of the last archived seal.")
    event_count = models.PositiveIntegerField()
    occurred_before = models.DateTimeField(help_text="The retention cutoff: every archived event is older.")
    archive_path = models.CharField(max_length=500)
    archive_sha256 = models.CharField(max_length=64)
    archive_key = EncryptedTextField(
        blank=True,
        default="",
        help_text="The key the archive file is sealed with (base64), encrypted by the data key ring; "
        "empty for a file archived before archives were sealed.",
    )
    seal = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="HMAC-SHA256 of the fields above under the audit chain's key; empty for a checkpoint "
        "written before the chain was keyed.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_sequence"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_sequence__gte=models.F("first_sequence")),
                name="audit_checkpoint_sequence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"archive of seals {self.first_sequence}-{self.last_sequence}"
