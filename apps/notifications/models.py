"""Where notifications go (webhook endpoints, Discord channels, people's preferences), what was told
(notifications), how each copy travelled (deliveries) and the portal inbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.keyring.fields import EncryptedTextField
from apps.notifications.choices import Channel, DeliveryStatus, Severity


def _default_channels() -> list[str]:
    return [Channel.EMAIL.value, Channel.INBOX.value]


class WebhookEndpoint(models.Model):
    """An HTTPS receiver of signed notifications (Standard Webhooks: webhook-id, -timestamp, -signature).

    A tenant's endpoint gets that guild's events; an endpoint without a tenant gets every event.
    `event_kinds` empty means every kind. The secret is `whsec_` + base64 (encrypted at rest).
    An endpoint that is not `subscribed` gets no event by subscription: only the notifications whose
    caller names it (an incident escalation level's webhook target, see services/targets.py).
    """

    name = models.CharField(max_length=100)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE)
    url = models.URLField(max_length=500)
    secret = EncryptedTextField(help_text="whsec_<base64>: the receiver verifies signatures with it.")
    event_kinds = models.JSONField(default=list, blank=True)
    subscribed = models.BooleanField(
        default=True, help_text="Gets the events it subscribes to. Off: only what a caller sends to it by name."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # a tenant's subscription (issue #15): what its admins wrote, and why it stopped (auto-disable)
    description = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Dead-lettered deliveries since the last delivered one; disabled at WEBHOOK_DISABLE_AFTER."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhookendpoint_tenant_active")]
        constraints = [
            # a named-only destination is found by its URL: one endpoint (and one secret) per URL
            models.UniqueConstraint(
                fields=["url"], condition=Q(subscribed=False, tenant=None), name="webhookendpoint_one_named_per_url"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DiscordChannel(models.Model):
    """The guild's Discord channel, reached through a Discord webhook URL (one per tenant; one without a
    tenant for platform events such as memory alerts). The URL carries a token: encrypted at rest.
    A channel that is not `subscribed` (any number of them, no tenant) is reached only when a caller names
    it: an incident escalation level's Discord target (services/targets.py)."""

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE)
    webhook_url = EncryptedTextField()
    event_kinds = models.JSONField(default=list, blank=True)
    subscribed = models.BooleanField(
        default=True, help_text="Gets the events it subscribes to. Off: only what a caller sends to it by name."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(subscribed=True), name="discordchannel_one_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(tenant=None, subscribed=True),
                name="discordchannel_one_platform_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"Discord channel of {self.tenant or 'the platform'}"


class NotificationPreference(models.Model):
    """A person's channels and quiet hours (in their time zone); without a row: e-mail and inbox, no quiet hours.

    During quiet hours a non-critical delivery waits until they end; a critical one goes through.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField(default=_default_channels, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"


class Notification(models.Model):
    """One event told to people, rendered once from its kind's templates; `key` names the event so that
    telling it twice (a retried task, a re-run job) creates nothing new. Its e-mails carry `attachments`
    (files in the default storage, a BI report's PDF and XLSX); webhooks and Discord get no files."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    guild_id = models.CharField(max_length=32, blank=True)
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="The webhook's data: ids and labels only.")
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text="Stored files e-mailed with it: name, storage path, content type and SHA-256 (checked on send).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="notification_kind_created")]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One copy of a notification on one channel to one destination, with its history of attempts.

    `key` is unique: a delivery is created once per notification, channel and destination, and a task
    that runs again finds it sent and sends nothing."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=300, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    addresses = models.JSONField(default=list, blank=True, help_text="E-mail recipients of this copy.")
    webhook = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL)
    discord_channel = models.ForeignKey(DiscordChannel, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Deferred by quiet hours until then.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    replays = models.PositiveSmallIntegerField(default=0, help_text="Manual replays asked for (webhooks).")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next")]

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.key}"


class InboxItem(models.Model):
    """A notification in a person's portal inbox; unread while `read_at` is empty."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="inbox_items")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "notification"], name="inboxitem_once_per_user")]
        indexes = [models.Index(fields=["user", "read_at"], name="inboxitem_user_unread")]

    def __str__(self) -> str:
        return f"inbox item {self.pk} of user {self.user_id}"
