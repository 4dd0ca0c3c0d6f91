"""The audit trail in the admin: a readable detail page, filters, and chain verification on demand."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from apps.accounts.services import api_key_create
from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_seal_pending
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create, tenant_suspend
from tests.admin.helpers import NEW_TENANT, admin_url

VERIFY_URL = reverse("admin:audit_auditevent_verify_chain")


def _edit_past_the_trigger(event_id: int) -> None:
    """What someone with the database superuser could do: the trigger is bypassed, the hash is not."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET reason = 'nothing happened' WHERE id = %s", [event_id])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_the_audit_event_page_shows_changes_as_before_and_after(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")
    tenant_suspend(tenant=tenant, actor=actor, reason="chargeback")
    event = AuditEvent.objects.get(action="tenants.tenant_suspended")

    content = superuser_client.get(admin_url(AuditEvent, "change", event.pk)).content.decode()

    assert "<tr><td>status</td><td>active</td><td>suspended</td></tr>" in content
    assert "chargeback" in content
    assert "Not sealed yet" in content
    audit_seal_pending()
    assert "Sequence 2, sealed" in superuser_client.get(admin_url(AuditEvent, "change", event.pk)).content.decode()


@pytest.mark.parametrize(
    ("query", "expected_actions"),
    [
        ({"app": "accounts"}, ["accounts.api_key_created"]),
        ({"app": "tenants"}, ["tenants.tenant_created", "tenants.tenant_suspended", "tenants.tenant_created"]),
        ({"actor_kind": "user"}, ["tenants.tenant_created"]),
        ({"guild_id": "777777777777777777"}, ["tenants.tenant_suspended", "tenants.tenant_created"]),
        ({"guild_id": "platform"}, ["accounts.api_key_created"]),
        ({"q": "tenants.tenant_suspended"}, ["tenants.tenant_suspended"]),
        ({"app": "tenants", "actor_kind": "system"}, ["tenants.tenant_suspended", "tenants.tenant_created"]),
    ],
)
def test_audit_events_filter_by_app_actor_kind_and_tenant(actor, superuser_client, query, expected_actions):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")
    tenant_suspend(tenant=tenant, actor=actor, reason="chargeback")
    api_key_create(actor=actor, name="platform", scopes=["tenants:read"])
    superuser_client.post(admin_url(Tenant, "add"), {**NEW_TENANT, "guild_id": "888888888888888888"})

    response = superuser_client.get(admin_url(AuditEvent, "changelist"), query)

    assert response.status_code == 200
    assert [event.action for event in response.context["cl"].result_list] == expected_actions


def test_the_event_page_links_to_the_events_of_its_actor_and_target(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")
    event = AuditEvent.objects.get()

    response = superuser_client.get(admin_url(AuditEvent, "change", event.pk))

    content = response.content.decode()
    assert f"{admin_url(AuditEvent, 'changelist')}?actor_kind=system&amp;actor_identifier=test" in content
    assert f"{admin_url(AuditEvent, 'changelist')}?target_type=tenants.tenant&amp;target_id={tenant.pk}" in content
    by_target = superuser_client.get(
        admin_url(AuditEvent, "changelist"), {"target_type": "tenants.tenant", "target_id": tenant.pk}
    )
    assert list(by_target.context["cl"].result_list) == [event]


def test_the_tenant_page_links_to_its_audit_trail(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")

    content = superuser_client.get(admin_url(Tenant, "change", tenant.pk)).content.decode()

    assert f"{admin_url(AuditEvent, 'changelist')}?guild_id=777777777777777777" in content


def test_verifying_an_intact_chain_reports_the_events_checked(actor, superuser_client):
    for number in range(3):
        tenant_create(actor=actor, guild_id=str(700000000000000000 + number), name=f"Guild {number}")
    audit_seal_pending()
    tenant_create(actor=actor, guild_id="799999999999999999", name="Not sealed yet")

    page = superuser_client.get(VERIFY_URL)
    response = superuser_client.post(VERIFY_URL)

    assert page.status_code == 200
    assert page.context["result"] is None
    assert AuditSeal.objects.count() == 4  # GET verified nothing, POST sealed the pending event first
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.is_intact, result.checked, result.sealed_now) == (True, 4, 1)
    assert "Audit chain intact:</strong>\n        4 events checked (1 sealed just now)." in response.content.decode()


def test_verifying_a_tampered_chain_names_the_first_bad_event(actor, superuser_client):
    for number in range(4):
        tenant_create(actor=actor, guild_id=str(700000000000000000 + number), name=f"Guild {number}")
    audit_seal_pending()
    events = list(AuditEvent.objects.order_by("pk"))
    _edit_past_the_trigger(events[2].pk)

    response = superuser_client.post(VERIFY_URL)

    result = response.context["result"]
    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 2, events[2].pk)
    content = response.content.decode()
    assert "Audit chain BROKEN</strong> after 2 good events." in content
    assert f"First bad event: {events[2].pk}." in content


def test_the_changelist_offers_verification_only_to_those_allowed(superuser_client, staff_user, staff_client):
    superuser_page = superuser_client.get(admin_url(AuditEvent, "changelist")).content.decode()
    ops_page = staff_client(staff_user("ops")).get(admin_url(AuditEvent, "changelist")).content.decode()

    assert VERIFY_URL in superuser_page
    assert VERIFY_URL not in ops_page


@pytest.mark.parametrize("method", ["get", "post"])
def test_verification_is_refused_without_the_permission(actor, staff_user, staff_client, method):
    tenant_create(actor=actor, guild_id="777777777777777777", name="Pending")
    client = staff_client(staff_user("support"))

    response = getattr(client, method)(VERIFY_URL)

    assert response.status_code == 403
    assert not AuditSeal.objects.exists()


def test_verification_needs_a_staff_login(client):
    response = client.post(VERIFY_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={VERIFY_URL}"
