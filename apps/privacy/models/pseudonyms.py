"""The pseudonym vault: reversible tokens standing for personal values, one per value and purpose."""

from django.db import models

from apps.keyring.fields import BlindIndexField, EncryptedTextField
from apps.keyring.querysets import BlindIndexedQuerySet


class Pseudonym(models.Model):
    """A random token standing for one value (e.g. a Discord user id) within one purpose.

    The value is kept encrypted (the data key ring); `value_index` is its blind index (a keyed hash
    under a key derived from the master key), so the same value gets the same token per purpose
    without decrypting the vault. Re-identifying a token
    needs the `reidentify_pseudonym` permission and is audited every time.
    """

    token = models.CharField(max_length=40, unique=True)
    purpose = models.CharField(max_length=64)
    value = EncryptedTextField()
    value_index = BlindIndexField(source="value", purpose="privacy.pseudonym", help_text="Blind index of the value.")
    created_at = models.DateTimeField(auto_now_add=True)
    reidentified_count = models.PositiveIntegerField(default=0)
    last_reidentified_at = models.DateTimeField(null=True, blank=True)

    objects = BlindIndexedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "value_index"], name="privacy_pseudonym_one_per_value"),
        ]
        permissions = [("reidentify_pseudonym", "Can re-identify a pseudonym (audited)")]

    def __str__(self) -> str:
        return f"{self.token} ({self.purpose})"
