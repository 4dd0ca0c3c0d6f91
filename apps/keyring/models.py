"""Data keys: the AES keys that encrypt field values, stored wrapped by the master key."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.keyring.choices import DataKeyStatus


class DataKey(models.Model):
    """One version of the data key. Only its wrapped form is stored (AES-GCM under a key derived
    from the master key); `master_key_fingerprint` tells a wrong master key from a damaged row.

    Exactly one key is active and encrypts new values; a retiring key still decrypts rows that
    rotation has not reached yet; a key is retired only once no row uses it. A retired key keeps its
    wrapped material so that a restored backup remains readable.
    """

    version = models.PositiveIntegerField(unique=True)
    wrapped_key = models.TextField(editable=False, help_text="The data key sealed by the master key (base64).")
    master_key_fingerprint = models.CharField(max_length=16, editable=False)
    status = models.CharField(max_length=16, choices=DataKeyStatus.choices, default=DataKeyStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=DataKeyStatus.ACTIVE), name="keyring_one_active_data_key"
            ),
            models.CheckConstraint(condition=Q(status__in=DataKeyStatus.values), name="keyring_data_key_status_valid"),
        ]

    def __str__(self) -> str:
        return f"data key v{self.version} ({self.status})"

    @property
    def age_days(self) -> float:
        return (timezone.now() - (self.activated_at or self.created_at)).total_seconds() / 86400


class SealedSecret(models.Model):
    """A long-lived secret of another app, stored only wrapped by the master key (AES-GCM under a key
    derived from it): e.g. the audit chain's key (`apps/audit/keys.py`).

    Unlike a data key it never rotates: what it keys (seals, signatures) must stay verifiable for
    ever, so a master key rotation re-wraps it and the secret itself stays the same. `context` is
    bound into the wrapping as associated data: whoever can write the row cannot change it without
    the secret failing to unwrap.
    """

    purpose = models.CharField(max_length=50, unique=True)
    context = models.CharField(max_length=200, blank=True, editable=False)
    wrapped_secret = models.TextField(editable=False, help_text="The secret sealed by the master key (base64).")
    master_key_fingerprint = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["purpose"]

    def __str__(self) -> str:
        return f"sealed secret {self.purpose}"
