"""Evidence and its chain of custody.

Every access appends a `CustodyEvent` that re-verifies the stored file's SHA-256 and carries the hash of the
previous custody event of the same evidence (`previous_hash` -> `event_hash`), so a removed or edited custody
event breaks the chain. A mismatch on access is refused, recorded, and raises a critical alert.
"""

from django.conf import settings
from django.db import models

from apps.incidents.choices import CustodyAction, EvidenceKind


class Evidence(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    file = models.FileField(upload_to="incidents/evidence/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    collected_by_label = models.CharField(max_length=150)
    collection_method = models.CharField(max_length=200, help_text="Upload from the portal, API, playbook snapshot …")
    collected_at = models.DateTimeField()
    custody_head_hash = models.CharField(
        max_length=64, blank=True, help_text="The event_hash of the last custody event: the chain must end there."
    )

    class Meta:
        ordering = ["incident", "id"]
        verbose_name_plural = "evidence"
        permissions = [("access_evidence", "Can view, download, export and transfer incident evidence")]

    def __str__(self) -> str:
        return f"{self.title} ({self.sha256[:12]})"


class CustodyEvent(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    sequence = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=CustodyAction.choices)
    actor_label = models.CharField(max_length=150)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    purpose = models.CharField(max_length=300)
    recipient = models.CharField(max_length=200, blank=True, help_text="Transfers: the named party.")
    observed_sha256 = models.CharField(max_length=64, help_text="The file's hash as read at this access.")
    hash_verified = models.BooleanField()
    previous_hash = models.CharField(max_length=64)
    event_hash = models.CharField(max_length=64, unique=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["evidence", "sequence"]
        constraints = [models.UniqueConstraint(fields=["evidence", "sequence"], name="custody_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.action} #{self.sequence} of evidence {self.evidence_id}"
