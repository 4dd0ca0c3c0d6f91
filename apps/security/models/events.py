"""Security events: what happened to the platform's defences, by whom, from where."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.keyring.fields import BlindIndexField, EncryptedIPAddressField
from apps.keyring.querysets import BlindIndexedQuerySet
from apps.security.choices import ActorKind, SecurityEventType


class SecurityEvent(models.Model):
    """One security-relevant occurrence (a login, a refusal, a privilege change), with its risk score.

    Unlike the audit trail this records attempts as well as changes, and is the input of the
    detection rules. The IP address lives here and never in log lines.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.CharField(max_length=32, choices=SecurityEventType.choices)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_identifier = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    guild_id = models.CharField(max_length=20, blank=True, help_text="Tenant (Discord guild); blank for platform-wide.")
    # personal data: encrypted at rest; filtering and grouping by address go through the blind index
    ip_address = EncryptedIPAddressField(null=True, blank=True)
    ip_address_index = BlindIndexField(source="ip_address", purpose="ip_address", normalizer="ip", db_index=False)
    user_agent = models.CharField(max_length=400, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0)

    objects = BlindIndexedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(risk_score__lte=100), name="security_event_risk_score_range"),
            models.CheckConstraint(
                condition=Q(event_type__in=SecurityEventType.values), name="security_event_type_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["event_type", "-occurred_at"], name="security_event_type_time"),
            models.Index(fields=["actor_kind", "actor_identifier", "-occurred_at"], name="security_event_actor_time"),
            models.Index(fields=["ip_address_index", "-occurred_at"], name="security_event_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} ({self.actor_label or self.actor_kind})"
