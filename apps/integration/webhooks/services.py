"""A tenant's webhook subscriptions (notifications.WebhookEndpoint rows with a tenant): create within the plan's
quota, change, delete, send a test event, replay a delivery. Each change is one transaction with its audit
record; a URL is checked by the SSRF guard whenever it is saved (and again on every delivery, in http_post).
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.outbound.ssrf import OutboundBlocked, url_check
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import Delivery, Notification, WebhookEndpoint
from apps.notifications.services import webhook_delivery_replay, webhook_event_publish, webhook_secret_generate
from apps.tenants.models import Tenant

EDITABLE_FIELDS = ("name", "description", "url", "event_kinds", "is_active")


def _checked_url(url: str) -> str:
    try:
        url_check(url)
    except OutboundBlocked as error:
        raise ApplicationError(str(error), code="url_not_allowed", fields={"url": [str(error)]}) from error
    return url


def _quota_check(tenant: Tenant) -> None:
    """The plan's `webhooks` quota (None: unlimited) counts every subscription of the tenant, enabled or not."""
    allowed = tenant.plan.webhooks
    if allowed is None:
        return
    used = WebhookEndpoint.objects.filter(tenant=tenant).count()
    if used >= allowed:
        plan = tenant.plan.name
        if allowed == 0:
            message = _("The %(plan)s plan includes no webhooks: delete one or upgrade the plan to add another.")
        else:
            message = _(
                "The %(plan)s plan allows %(allowed)s webhook endpoint(s) and %(used)s exist: delete one or upgrade "
                "the plan to add another."
            )
        raise PermissionDeniedError(
            message % {"plan": plan, "allowed": allowed, "used": used}, code="plan_quota_exceeded"
        )


def _state(endpoint: WebhookEndpoint) -> dict:
    return {name: getattr(endpoint, name) for name in EDITABLE_FIELDS}


@transaction.atomic
def webhook_subscription_create(
    *, tenant: Tenant, actor: Actor, name: str, url: str, event_kinds: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    """A new subscription of the tenant with a fresh secret (the caller shows it once), within the plan quota."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()  # two creations cannot both pass the quota
    _quota_check(tenant)
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant,
        name=name,
        description=description,
        url=_checked_url(url),
        event_kinds=sorted(set(event_kinds)),
        secret=webhook_secret_generate(),
        subscribed=True,
    )
    audit_record(
        actor=actor, action="integration.webhook_created", target=endpoint, guild_id=tenant.guild_id,
        changes={"after": {**_state(endpoint), "secret": "(generated)"}},
    )  # fmt: skip
    return endpoint


@transaction.atomic
def webhook_subscription_update(*, endpoint: WebhookEndpoint, actor: Actor, **changes) -> WebhookEndpoint:
    """Change the given fields; enabling a disabled endpoint clears its failure count and disabled reason."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = _state(endpoint)
    if "url" in changes:
        changes["url"] = _checked_url(changes["url"])
    if "event_kinds" in changes:
        changes["event_kinds"] = sorted(set(changes["event_kinds"]))
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if changes.get("is_active") and not before["is_active"]:
        endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
    elif changes.get("is_active") is False and before["is_active"]:
        endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), "Disabled by the tenant."
    endpoint.save()
    audit_record(
        actor=actor, action="integration.webhook_updated", target=endpoint, guild_id=endpoint.tenant.guild_id,
        changes=field_changes(before, _state(endpoint)),
    )  # fmt: skip
    return endpoint


@transaction.atomic
def webhook_subscription_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete the subscription; its delivery log stays (deliveries lose their endpoint, pending ones dead-letter)."""
    audit_record(
        actor=actor, action="integration.webhook_deleted", target=endpoint, guild_id=endpoint.tenant.guild_id,
        changes={"before": _state(endpoint)},
    )  # fmt: skip
    endpoint.delete()


@transaction.atomic
def webhook_subscription_test(*, endpoint: WebhookEndpoint, actor: Actor) -> Delivery:
    """Send a `webhook.test` event to this endpoint only (whatever it subscribes to); returns its delivery."""
    if not endpoint.is_active:
        raise ApplicationError(
            _("The webhook endpoint is disabled: enable it before testing it."),
            code="webhook_disabled",
            status_code=409,
        )
    now = timezone.now()
    tenant = endpoint.tenant
    notification: Notification = webhook_event_publish(
        tenant_id=tenant.pk,
        guild_id=tenant.guild_id,
        event_type=WebhookEventType.TEST,
        key=f"webhook.test:{endpoint.pk}:{now.timestamp():.6f}",
        data={"guild_id": tenant.guild_id, "webhook_id": endpoint.pk, "sent_at": now.isoformat()},
        endpoint_ids=[endpoint.pk],
    )
    audit_record(actor=actor, action="integration.webhook_tested", target=endpoint, guild_id=tenant.guild_id)
    return notification.deliveries.get()


@transaction.atomic
def webhook_delivery_replay_request(*, delivery: Delivery, actor: Actor) -> Delivery:
    """Replay a dead-lettered (or delivered) delivery of the tenant's endpoint now, as the same webhook-id."""
    delivery = webhook_delivery_replay(delivery=delivery)
    audit_record(
        actor=actor, action="integration.webhook_delivery_replayed", target=delivery,
        guild_id=delivery.notification.guild_id,
    )  # fmt: skip
    return delivery
