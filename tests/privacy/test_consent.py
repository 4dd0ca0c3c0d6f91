"""Consent: default types, versioned types, the append-only grant/withdraw history and its API."""

import pytest
from django.core.management import call_command

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import ConsentAction
from apps.privacy.models import ConsentRecord, ConsentType
from apps.privacy.selectors.consent import consent_current, member_consents
from apps.privacy.services.consent import consent_record, consent_type_publish, consent_types_ensure_defaults
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MEMBER_ID = "712345678900000077"
ACTOR = Actor.system("consent test")


@pytest.fixture
def member(tenant):
    return MemberFactory(tenant=tenant, discord_user_id=MEMBER_ID)


@pytest.fixture
def url(tenant):
    return f"/api/v1/tenants/{tenant.guild_id}/members/{MEMBER_ID}/consents/"


@pytest.fixture
def writer(make_key, client_with_key, tenant):
    return client_with_key(make_key(["members:read", "members:write"], tenant=tenant)[1])


def test_the_default_consent_types_exist_after_migrate_and_are_created_once():
    codes = set(ConsentType.objects.filter(is_active=True).values_list("code", flat=True))

    call_command("migrate", "privacy", verbosity=0)  # post_migrate runs the receiver again

    assert codes == {"data_processing", "marketing", "analytics"}
    assert consent_types_ensure_defaults() == 0
    assert ConsentType.objects.count() == 3


def test_grant_then_withdraw_keeps_the_history_and_the_current_state(member, url, writer):
    granted = writer.post(url, {"consent_type": "marketing", "action": "grant"}, format="json")
    repeated = writer.post(url, {"consent_type": "marketing", "action": "grant"}, format="json")
    withdrawn = writer.post(url, {"consent_type": "marketing", "action": "withdraw"}, format="json")
    state = writer.get(url).json()

    assert granted.status_code == 201 and granted.json()["action"] == "granted" and granted.json()["version"] == 1
    assert repeated.status_code == 200 and repeated.json()["id"] == granted.json()["id"]
    assert withdrawn.status_code == 201 and withdrawn.json()["action"] == "withdrawn"
    assert [row["action"] for row in state["history"]] == ["withdrawn", "granted"]
    marketing = next(row for row in state["current"] if row["code"] == "marketing")
    assert (marketing["granted"], marketing["granted_version"]) == (False, None)
    assert {row["code"] for row in state["current"]} == {"analytics", "data_processing", "marketing"}
    assert list(AuditEvent.objects.filter(action__startswith="privacy.consent_").values_list("action", flat=True)) == [
        "privacy.consent_withdrawn",
        "privacy.consent_granted",
    ]


def test_a_new_version_needs_a_new_grant(member):
    consent_record(member=member, actor=ACTOR, code="analytics", action=ConsentAction.GRANTED)

    consent_type_publish(actor=ACTOR, code="analytics", title="Analytics v2", text="Now with product research.")

    row = next(row for row in consent_current(member=member) if row["code"] == "analytics")
    assert (row["version"], row["granted"], row["granted_version"], row["is_current_version"]) == (2, True, 1, False)
    assert not member_consents(member=member, code="analytics")
    record, created = consent_record(member=member, actor=ACTOR, code="analytics", action=ConsentAction.GRANTED)
    assert created and record.consent_type.version == 2
    assert member_consents(member=member, code="analytics")
    assert ConsentType.objects.filter(code="analytics", is_active=True).count() == 1


def test_records_are_append_only(member):
    record, _ = consent_record(member=member, actor=ACTOR, code="marketing", action=ConsentAction.GRANTED)

    with pytest.raises(TypeError, match="append-only"):
        record.save()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"consent_type": "marketing", "action": "withdraw"}, 400, "consent_not_granted"),
        ({"consent_type": "newsletter", "action": "grant"}, 404, "consent_type_not_found"),
        ({"consent_type": "marketing", "action": "maybe"}, 400, "invalid"),
        ({"consent_type": 5, "action": "grant"}, 400, "invalid"),
        ({"consent_type": "marketing"}, 400, "invalid"),
        ({"consent_type": "marketing", "action": "grant", "at": "now"}, 400, "invalid"),
    ],
)
def test_bad_consent_input_is_refused_and_records_nothing(member, url, writer, body, status, code):
    response = writer.post(url, body, format="json")

    assert response.status_code == status and response.json()["code"] == code
    assert ConsentRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("scopes", "method", "status"),
    [
        (["members:read"], "post", 403),
        (["members:write"], "get", 403),
        (["bets:read"], "get", 403),
    ],
)
def test_consents_need_the_members_scopes(member, url, make_key, client_with_key, tenant, scopes, method, status):
    client = client_with_key(make_key(scopes, tenant=tenant)[1])

    response = getattr(client, method)(url, {"consent_type": "marketing", "action": "grant"}, format="json")

    assert response.status_code == status
    assert ConsentRecord.objects.count() == 0


def test_another_tenants_key_or_an_unknown_member_is_a_404(
    member, url, make_key, client_with_key, other_tenant, tenant
):
    other_key = client_with_key(make_key(["members:read"], tenant=other_tenant)[1])
    platform_key = client_with_key(make_key(["members:read"])[1])

    assert other_key.get(url).status_code == 404
    assert platform_key.get(url).status_code == 200
    unknown = platform_key.get(f"/api/v1/tenants/{tenant.guild_id}/members/799999999999999999/consents/")
    assert unknown.status_code == 404 and unknown.json()["code"] == "member_not_found"
