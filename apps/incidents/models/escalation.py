"""Escalation policies: up to four levels, each with its targets and acknowledgement timeout; and the
notifications an incident sent, per level (their deliveries are the notification layer's rows)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.incidents.choices import MAX_ESCALATION_LEVEL


class EscalationPolicy(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, help_text="Used when neither the declaration nor a rule names one.")
    critical_start_level = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ESCALATION_LEVEL)],
        help_text="The level a critical incident starts at.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="escalation_policy_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_ESCALATION_LEVEL)])
    ack_timeout_seconds = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    targets = models.JSONField(
        default=list,
        help_text='[{"kind": "user", "user_id": 3}, {"kind": "role", "role": "security_analyst"}, '
        '{"kind": "email", "address": "x@example.com"}, {"kind": "webhook", "url": "https://…"}, '
        '{"kind": "discord", "url": "https://discord.com/api/webhooks/…"}]',
    )

    class Meta:
        ordering = ["policy", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="escalation_level_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=MAX_ESCALATION_LEVEL), name="escalation_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} level {self.level}"


class IncidentNotification(models.Model):
    """One notification an incident sent (opening, escalation, reminder …) and the level it was for."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="notifications")
    level = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The escalation level, if any.")
    reason = models.CharField(max_length=32, help_text="opened, escalated, clock_reminder …")
    notification = models.ForeignKey("notifications.Notification", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "id"]

    def __str__(self) -> str:
        return f"{self.reason} (level {self.level}) of INC-{self.incident_id}"
