"""Reads of the tenants' webhook subscriptions and their delivery log (always scoped to one tenant)."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.core.errors import NotFoundError
from apps.notifications.choices import Channel
from apps.notifications.models import Delivery, WebhookEndpoint
from apps.tenants.models import Tenant


def webhook_subscriptions(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant=tenant, subscribed=True).order_by("pk")


def webhook_subscription_get(*, tenant: Tenant, webhook_id: int) -> WebhookEndpoint:
    """The tenant's endpoint; another tenant's id is as unknown as a missing one (404)."""
    endpoint = webhook_subscriptions(tenant=tenant).select_related("tenant").filter(pk=webhook_id).first()
    if endpoint is None:
        raise NotFoundError(
            _("No webhook %(webhook_id)s in this tenant.") % {"webhook_id": webhook_id}, code="not_found"
        )
    return endpoint


def webhook_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, with their event (one query per page)."""
    return (
        Delivery.objects.filter(webhook=endpoint, channel=Channel.WEBHOOK)
        .select_related("notification")
        .order_by("-id")
    )


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: int) -> Delivery:
    delivery = webhook_deliveries(endpoint=endpoint).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFoundError(
            _("No delivery %(delivery_id)s of webhook %(pk)s.") % {"delivery_id": delivery_id, "pk": endpoint.pk},
            code="not_found",
        )
    return delivery
