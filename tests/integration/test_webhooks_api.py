"""The webhook subscriptions API and the delivery rules that need no worker (tasks run in this process):
the secret shown once, the plan quota, the SSRF rule, tenant isolation, the test event, replay refusals,
auto-disabling with the admins told, and what a placing request pays."""

from decimal import Decimal

import pytest
from django.test import override_settings

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.core.models import OutboxMessage
from apps.integration.webhooks.services import webhook_subscription_create
from apps.notifications.choices import Channel, DeliveryStatus, EventKind, WebhookEventType
from apps.notifications.models import Delivery, DiscordChannel, Notification, WebhookEndpoint
from apps.notifications.services import webhook_dead_letters_replay, webhook_event_publish
from tests.factories import TenantFactory
from tests.integration.webhooks_support import Receiver

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
TASK = "apps.integration.webhooks.tasks.webhook_event_fanout_task"


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def api(client_with_key, make_key):
    """api(tenant) -> a client with a key of that tenant holding webhooks:admin."""

    def _api(tenant):
        _, secret = make_key(["webhooks:admin"], tenant=tenant)
        return client_with_key(secret)

    return _api


def _base(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/webhooks/"


def _create(client, tenant, url="http://127.0.0.1:9/hooks", **extra):
    body = {"name": "crm", "url": url, "event_types": ["bet.placed", "game.final"], **extra}
    return client.post(_base(tenant), body, format="json")


def test_create_list_update_delete_and_the_secret_is_shown_once(api):
    tenant = TenantFactory(plan_code="premium")
    client = api(tenant)

    created = _create(client, tenant)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["bet.placed", "game.final"] and body["is_active"] is True
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert (endpoint.tenant, endpoint.secret, endpoint.subscribed) == (tenant, body["secret"], True)

    listed = client.get(_base(tenant)).json()["results"]
    assert [row["id"] for row in listed] == [endpoint.pk] and "secret" not in listed[0]
    changed = client.patch(f"{_base(tenant)}{endpoint.pk}/", {"event_types": ["dsr.completed"]}, format="json")
    assert changed.status_code == 200 and "secret" not in changed.json()
    assert changed.json()["event_types"] == ["dsr.completed"]
    assert client.delete(f"{_base(tenant)}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    events = AuditEvent.objects.filter(guild_id=tenant.guild_id, action__startswith="integration.").order_by("pk")
    assert list(events.values_list("action", flat=True)) == [
        "integration.webhook_created",
        "integration.webhook_updated",
        "integration.webhook_deleted",
    ]
    assert body["secret"] not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "url": "http://127.0.0.1:9/", "event_types": ["bet.voided"]}, "event_types"),
        ({"name": "x", "url": "http://127.0.0.1:9/", "event_types": []}, "event_types"),
        ({"name": "x", "url": "http://127.0.0.1:9/", "event_types": ["webhook.test"]}, "event_types"),
        ({"name": "x", "url": "ftp://127.0.0.1/", "event_types": ["bet.placed"]}, "url"),
        ({"name": 5, "url": "http://127.0.0.1:9/", "event_types": ["bet.placed"]}, "name"),
        ({"name": "x", "url": "http://127.0.0.1:9/", "event_types": ["bet.placed"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, body, field):
    tenant = TenantFactory(plan_code="premium")
    response = api(tenant).post(_base(tenant), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not WebhookEndpoint.objects.exists()


def test_the_plan_quota_is_enforced_on_creation(api):
    free = TenantFactory(plan_code="free")
    refused = _create(api(free), free)
    assert refused.status_code == 403
    assert (
        refused.json()["code"] == "plan_quota_exceeded"
        and "Free plan includes no webhooks" in refused.json()["message"]
    )

    premium = TenantFactory(plan_code="premium")  # 3 webhooks
    client = api(premium)
    assert [_create(client, premium).status_code for _ in range(3)] == [201, 201, 201]
    fourth = _create(client, premium)
    assert fourth.status_code == 403
    assert fourth.json()["message"] == (
        "The Premium plan allows 3 webhook endpoint(s) and 3 exist: delete one or upgrade the plan to add another."
    )
    assert WebhookEndpoint.objects.filter(tenant=premium).count() == 3
    assert not WebhookEndpoint.objects.filter(tenant=free).exists()


@override_settings(WEBHOOK_ALLOWED_PRIVATE_NETWORKS=[])
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hooks", "http://10.0.0.5/", "http://169.254.169.254/latest"])
def test_a_private_url_is_a_400_with_the_guards_message(api, url):
    tenant = TenantFactory(plan_code="premium")
    client = api(tenant)
    response = _create(client, tenant, url=url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "url_not_allowed"
    assert "private, loopback or link-local" in body["message"] and body["fields"]["url"] == [body["message"]]
    assert not WebhookEndpoint.objects.exists()


def test_a_private_url_is_refused_on_update_too(api, settings):
    tenant = TenantFactory(plan_code="premium")
    client = api(tenant)
    endpoint_id = _create(client, tenant).json()["id"]
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []
    response = client.patch(f"{_base(tenant)}{endpoint_id}/", {"url": "http://192.168.1.1/"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "url_not_allowed"
    assert WebhookEndpoint.objects.get(pk=endpoint_id).url == "http://127.0.0.1:9/hooks"


def test_another_tenants_webhook_and_delivery_are_not_found(api):
    home, other = TenantFactory(plan_code="premium"), TenantFactory(plan_code="premium")
    mine = webhook_subscription_create(
        tenant=home, actor=ACTOR, name="a", url="http://127.0.0.1:9/", event_kinds=["bet.placed"]
    )
    theirs = webhook_subscription_create(
        tenant=other, actor=ACTOR, name="b", url="http://127.0.0.1:9/", event_kinds=["bet.placed"]
    )
    their_delivery = webhook_event_publish(
        tenant_id=other.pk, guild_id=other.guild_id, event_type="bet.placed", key="k", data={}
    ).deliveries.get()
    client = api(home)
    base = _base(home)
    for method, path in [
        ("patch", f"{base}{theirs.pk}/"),
        ("delete", f"{base}{theirs.pk}/"),
        ("post", f"{base}{theirs.pk}/test/"),
        ("get", f"{base}{theirs.pk}/deliveries/"),
        ("post", f"{base}{theirs.pk}/deliveries/{their_delivery.pk}/replay/"),
        ("post", f"{base}{mine.pk}/deliveries/{their_delivery.pk}/replay/"),
    ]:
        response = getattr(client, method)(path, {"name": "stolen"}, format="json")
        assert response.status_code == 404, (method, path)
    theirs.refresh_from_db()
    assert theirs.name == "b" and Delivery.objects.get(pk=their_delivery.pk).replays == 0


def test_the_test_event_is_signed_and_verified_by_the_receiver(api, receiver, django_capture_on_commit_callbacks):
    tenant = TenantFactory(plan_code="premium")
    client = api(tenant)
    created = _create(client, tenant, url=receiver.url).json()
    receiver.secret = created["secret"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{_base(tenant)}{created['id']}/test/")

    assert response.status_code == 202
    (delivered,) = receiver.received
    _, headers, envelope = delivered
    assert envelope["type"] == "webhook.test" and envelope["data"]["webhook_id"] == created["id"]
    assert headers["webhook-id"] == response.json()["webhook_id"]
    deliveries = client.get(f"{_base(tenant)}{created['id']}/deliveries/").json()["results"]
    assert [(row["event_type"], row["status"], row["attempts"]) for row in deliveries] == [
        ("webhook.test", "delivered", 1)
    ]


def test_only_a_dead_letter_or_a_delivered_delivery_can_be_replayed(api):
    tenant = TenantFactory(plan_code="premium")
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name="a", url="http://127.0.0.1:9/", event_kinds=["bet.placed"]
    )
    delivery = webhook_event_publish(
        tenant_id=tenant.pk, guild_id=tenant.guild_id, event_type="bet.placed", key="k", data={}
    ).deliveries.get()
    path = f"{_base(tenant)}{endpoint.pk}/deliveries/{delivery.pk}/replay/"
    client = api(tenant)
    pending = client.post(path)
    assert pending.status_code == 409 and pending.json()["code"] == "delivery_pending"
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD_LETTER)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    disabled = client.post(path)
    assert disabled.status_code == 409 and disabled.json()["code"] == "webhook_disabled"
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DEAD_LETTER


def test_an_endpoint_failing_again_and_again_is_disabled_and_its_admins_told(
    api, receiver, settings, staff_user, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS, settings.WEBHOOK_DISABLE_AFTER = 1, 2
    ops = staff_user(StaffRole.OPS, email="ops@example.com")
    tenant = TenantFactory(plan_code="premium")
    guild_channel = DiscordChannel.objects.create(tenant=tenant, webhook_url="http://127.0.0.1:9/discord")
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name="crm", url=receiver.url, event_kinds=["bet.placed"]
    )
    receiver.mode = "down"

    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_event_publish(
                tenant_id=tenant.pk, guild_id=tenant.guild_id, event_type="bet.placed", key=f"e{number}", data={}
            )

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (False, 2)
    assert endpoint.disabled_reason.startswith("2 deliveries in a row failed every attempt (last error: HTTP 503)")
    assert receiver.hits == 2  # the third event found it disabled: no subscriber, nothing sent
    told = Notification.objects.get(kind=EventKind.WEBHOOK_DISABLED)
    assert told.guild_id == tenant.guild_id
    channels = {(row.channel, row.user_id, row.discord_channel_id) for row in told.deliveries.all()}
    assert (Channel.INBOX, ops.pk, None) in channels and (Channel.DISCORD, None, guild_channel.pk) in channels
    assert told.deliveries.get(channel=Channel.EMAIL).addresses == ["ops@example.com"]
    assert AuditEvent.objects.filter(action="notifications.webhook_disabled", target_id=str(endpoint.pk)).exists()

    response = api(tenant).patch(f"{_base(tenant)}{endpoint.pk}/", {"is_active": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["consecutive_failures"], response.json()["disabled_reason"]) == (0, "")


def test_a_placed_bet_enqueues_the_fan_out_only_when_its_tenant_subscribes_to_the_type():
    tenant = TenantFactory(plan_code="premium")
    capper = capper_create(tenant=tenant, actor=ACTOR, discord_user_id="500000000000000001", username="joe")
    leg = LegInput(market="prop", selection="over", odds=110, description="x")
    webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name="a", url="http://127.0.0.1:9/", event_kinds=["game.final"]
    )

    bet_place(tenant=tenant, actor=ACTOR, external_id="b1", capper=capper, stake_units=Decimal(1), legs=[leg])
    assert not OutboxMessage.objects.filter(task_name=TASK).exists()

    WebhookEndpoint.objects.filter(tenant=tenant).update(event_kinds=[WebhookEventType.BET_PLACED])
    bet, _ = bet_place(tenant=tenant, actor=ACTOR, external_id="b2", capper=capper, stake_units=Decimal(1), legs=[leg])
    (row,) = OutboxMessage.objects.filter(task_name=TASK)
    assert (row.args, row.kwargs) == (["bet.placed", {"bet_ids": [bet.pk]}], {})


def test_the_admin_replays_every_dead_letter_of_an_endpoint(receiver, django_capture_on_commit_callbacks):
    tenant = TenantFactory(plan_code="premium")
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name="crm", url=receiver.url, event_kinds=["bet.placed"]
    )
    receiver.secret = endpoint.secret
    keys = []
    for number in range(2):
        event = webhook_event_publish(
            tenant_id=tenant.pk, guild_id=tenant.guild_id, event_type="bet.placed", key=f"d{number}", data={}
        )
        keys.append(event.deliveries.get().key)
    Delivery.objects.filter(key__in=keys).update(status=DeliveryStatus.DEAD_LETTER, attempts=10)

    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_dead_letters_replay(endpoint_id=endpoint.pk, actor=ACTOR) == 2

    assert sorted(headers["webhook-id"] for _, headers, _ in receiver.received) == sorted(keys)
    assert set(Delivery.objects.filter(key__in=keys).values_list("status", "attempts", "replays")) == {
        (DeliveryStatus.DELIVERED, 11, 1)
    }
    assert AuditEvent.objects.filter(action="notifications.webhook_dead_letters_replayed").count() == 1
