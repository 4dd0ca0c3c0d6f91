"""An address blocked by incident response is refused at the door (portal login and API) until its time."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.security.models import BlockedAddress
from apps.security.services import address_block, address_unblock
from apps.security.tasks import security_address_blocks_refresh_task

pytestmark = pytest.mark.django_db
ATTACKER, BYSTANDER = "203.0.113.9", "198.51.100.4"
LOGIN = "/portal/login/"


def _tenant_read(client, tenant, address):
    return client.get(f"/api/v1/tenants/{tenant.guild_id}/", REMOTE_ADDR=address)


def test_a_blocked_address_is_refused_on_the_portal_login_and_the_api_until_the_block_ends(
    tenant, make_key, client_with_key, actor, django_capture_on_commit_callbacks
):
    _, secret = make_key(["tenants:read"], tenant=tenant)
    api = client_with_key(secret)
    assert _tenant_read(api, tenant, ATTACKER).status_code == 200  # cached "no blocks" must not linger

    with django_capture_on_commit_callbacks(execute=True):
        address_block(address=ATTACKER, until=timezone.now() + timedelta(seconds=2), reason="INC-1", actor=actor)

    login = Client().post(LOGIN, {"username": "admin", "password": "guess"}, REMOTE_ADDR=ATTACKER)
    refused = _tenant_read(api, tenant, ATTACKER)
    assert login.status_code == 403
    assert "blocked until" in login.content.decode()
    assert refused.status_code == 403
    assert refused.json()["code"] == "address_blocked"
    assert int(refused["Retry-After"]) <= 2
    assert Client().get(LOGIN, REMOTE_ADDR=BYSTANDER).status_code == 200
    assert _tenant_read(api, tenant, BYSTANDER).status_code == 200

    time.sleep(2.1)  # the block ends by itself: no unblock, no cache invalidation

    assert Client().get(LOGIN, REMOTE_ADDR=ATTACKER).status_code == 200
    assert _tenant_read(api, tenant, ATTACKER).status_code == 200


def test_a_network_block_covers_its_addresses_and_unblocking_lets_them_in_at_once(
    tenant, make_key, client_with_key, actor, django_capture_on_commit_callbacks
):
    _, secret = make_key(["tenants:read"], tenant=tenant)
    api = client_with_key(secret)
    with django_capture_on_commit_callbacks(execute=True):
        block = address_block(
            address="203.0.113.0/24", until=timezone.now() + timedelta(hours=1), reason="x", actor=actor
        )
    assert _tenant_read(api, tenant, "203.0.113.77").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        address_unblock(block=block, actor=actor, reason="false positive")

    assert _tenant_read(api, tenant, "203.0.113.77").status_code == 200
    assert list(
        AuditEvent.objects.filter(action__startswith="security.address_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "security.address_blocked",
        "security.address_unblocked",
    ]


def test_blocking_twice_extends_the_one_block(actor):
    now = timezone.now()
    first = address_block(address=ATTACKER, until=now + timedelta(hours=1), reason="a", actor=actor)
    second = address_block(address=ATTACKER, until=now + timedelta(hours=5), reason="b", actor=actor)
    again = address_block(address=ATTACKER, until=now + timedelta(hours=2), reason="c", actor=actor)

    assert first.pk == second.pk == again.pk
    assert BlockedAddress.objects.get().blocked_until == now + timedelta(hours=5)
    assert first.network == "203.0.113.9/32"


@pytest.mark.parametrize(
    ("address", "hours", "reason", "message"),
    [
        ("not-an-ip", 1, "r", "is not an IP address"),
        ("10.0.0.0/8", 1, "r", "too wide"),
        (ATTACKER, -1, "r", "must end in the future"),
        (ATTACKER, 1, " ", "Say why"),
    ],
)
def test_bad_blocks_are_refused_and_nothing_is_written(actor, address, hours, reason, message):
    with pytest.raises(ApplicationError, match=message):
        address_block(address=address, until=timezone.now() + timedelta(hours=hours), reason=reason, actor=actor)
    assert not BlockedAddress.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="security.address_").exists()


def test_a_flushed_cache_is_refilled_by_the_periodic_publication(tenant, make_key, client_with_key, actor):
    _, secret = make_key(["tenants:read"], tenant=tenant)
    api = client_with_key(secret)
    address_block(address=ATTACKER, until=timezone.now() + timedelta(hours=1), reason="x", actor=actor)
    cache.clear()  # Redis flushed (or the after-commit publication lost): the door fails open meanwhile
    assert _tenant_read(api, tenant, ATTACKER).status_code == 200

    assert security_address_blocks_refresh_task.apply().get() == 1

    assert _tenant_read(api, tenant, ATTACKER).status_code == 403
