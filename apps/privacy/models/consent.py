"""Consent: versioned consent types, and each member's grant and withdrawal history (append-only).

A member's current consent to a type is their latest record for that type's code; a grant names the
exact version (and so the text) the member agreed to. Records are never edited or deleted: a change
of mind is a new row, so the history answers "what had they agreed to on that date".
"""

from django.db import models
from django.db.models import Q

from apps.accounts.models import Member
from apps.privacy.choices import ConsentAction, ConsentSource


class ConsentType(models.Model):
    """One version of what a member is asked to agree to (data processing, marketing, analytics …).

    A code has at most one active version: a new text is a new version, and members asked again.
    """

    code = models.SlugField(max_length=50)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=150)
    text = models.TextField(help_text="The wording the member agrees to.")
    is_required = models.BooleanField(default=False, help_text="Needed to use the service at all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="privacy_consent_type_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_active=True), name="privacy_consent_type_one_active_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="privacy_consent_type_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ConsentRecord(models.Model):
    """One grant or withdrawal by one member of one consent type version. Never updated."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consent_records")
    consent_type = models.ForeignKey(ConsentType, on_delete=models.PROTECT, related_name="records")
    action = models.CharField(max_length=12, choices=ConsentAction.choices)
    source = models.CharField(max_length=12, choices=ConsentSource.choices, default=ConsentSource.API)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150, help_text="The API key prefix or staff user who recorded it.")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=ConsentAction.values), name="privacy_consent_action_valid"),
            models.CheckConstraint(condition=Q(source__in=ConsentSource.values), name="privacy_consent_source_valid"),
        ]
        indexes = [models.Index(fields=["member", "consent_type", "-id"], name="privacy_consent_member_type")]

    def __str__(self) -> str:
        return f"{self.action} {self.consent_type_id} by member {self.member_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Consent records are append-only: record a new grant or withdrawal instead.")
        super().save(*args, **kwargs)
