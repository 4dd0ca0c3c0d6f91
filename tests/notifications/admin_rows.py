"""Seed rows of the notification admin pages (called by tests/admin/conftest.py:_seed)."""

from datetime import time

from django.contrib.auth import get_user_model

from apps.notifications.choices import EventKind
from apps.notifications.models import DiscordChannel, NotificationPreference, WebhookEndpoint
from apps.notifications.services import Recipients, notification_send
from apps.tenants.models import Tenant

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def notification_admin_rows(*, rows: int) -> None:
    """A webhook endpoint and a Discord channel per tenant, preferences per staff user, notifications with
    inbox items and queued deliveries (the tasks run after commit, which a seed never reaches)."""
    tenants = list(Tenant.objects.order_by("pk")[:rows])
    for number, tenant in enumerate(tenants):
        WebhookEndpoint.objects.create(
            name=f"siem {number:02}", tenant=tenant, url=f"https://siem.example.org/{number}", secret=SECRET
        )
        DiscordChannel.objects.create(tenant=tenant, webhook_url=f"https://discord.example.org/api/webhooks/{number}/t")
    users = list(get_user_model().objects.filter(is_staff=True).order_by("pk")[:rows])
    for user in users:
        NotificationPreference.objects.create(user=user, quiet_hours_start=time(22), quiet_hours_end=time(6))
    for number, tenant in enumerate(tenants):
        notification_send(
            kind=EventKind.MEMORY_THRESHOLD,
            key=f"seed:{number}",
            context={"snapshot_id": number, "process": "web", "level": "high", "previous_level": "low", "rss_mib": 1},
            recipients=Recipients(user_ids=[user.pk for user in users[:3]], addresses=["ops@example.org"]),
            guild_id=tenant.guild_id,
        )
