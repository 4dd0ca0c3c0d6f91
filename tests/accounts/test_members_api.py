"""Members API: personal data in, decrypted out, encrypted at rest; lookups by exact email; 4xx for
bad input with nothing written; audit records that never hold the personal values."""

import pytest
from django.db import connection

from apps.accounts.choices import ApiScope
from apps.accounts.models import Member
from apps.audit.models import AuditEvent
from apps.keyring.master import reset_master_key
from apps.keyring.ring import key_ring

pytestmark = pytest.mark.django_db

ADA = {
    "discord_user_id": "300000000000000001",
    "username": "ada",
    "display_name": "Ada",
    "email": "Ada.Lovelace@example.org",
    "date_of_birth": "1961-07-23",
    "country": "GB",
    "notes": "asked to self-exclude",
}


def _path(tenant, suffix: str = "") -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/members/{suffix}"


@pytest.fixture
def writer(make_key, client_with_key, tenant):
    _, secret = make_key([ApiScope.MEMBERS_READ, ApiScope.MEMBERS_WRITE], tenant=tenant)
    return client_with_key(secret)


@pytest.fixture
def ada(writer, tenant) -> dict:
    response = writer.post(_path(tenant), ADA, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_the_member_and_stores_personal_fields_encrypted(ada, tenant):
    assert ada == {
        **ADA,
        "notes_sealed": False,
        "created_at": ada["created_at"],
        "updated_at": ada["updated_at"],
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, date_of_birth, notes, country FROM accounts_member WHERE username = 'ada'")
        email, born, notes, country = cursor.fetchone()
    assert (email[:3], born[:3], notes[:3], country) == ("v1:", "v1:", "h1:", "GB")


def test_the_audit_record_names_changed_fields_without_their_values(ada, writer, tenant):
    writer.patch(
        _path(tenant, f"{ADA['discord_user_id']}/"), {"email": "ada@new.example", "country": "FR"}, format="json"
    )

    created, updated = AuditEvent.objects.filter(action__startswith="accounts.member_").order_by("pk")
    assert created.changes["email"] == {"before": "[redacted]", "after": "[redacted]"}
    assert updated.action == "accounts.member_updated"
    assert updated.changes == {
        "country": {"before": "GB", "after": "FR"},
        "email": {"before": "[redacted]", "after": "[redacted]"},
    }
    trail = str(list(AuditEvent.objects.values_list("changes", "reason", "target_label")))
    assert "Lovelace" not in trail and "1961" not in trail and "self-exclude" not in trail


def test_list_and_detail(ada, writer, tenant, django_assert_max_num_queries):
    writer.post(_path(tenant), {"discord_user_id": "300000000000000002", "username": "bob"}, format="json")

    with django_assert_max_num_queries(6):
        listing = writer.get(_path(tenant)).json()["results"]
    assert {row["username"]: (row["email"], row["date_of_birth"]) for row in listing} == {
        "ada": (ADA["email"], ADA["date_of_birth"]),
        "bob": (None, None),
    }
    assert "notes" not in listing[0]
    detail = writer.get(_path(tenant, f"{ADA['discord_user_id']}/")).json()
    assert (detail["notes"], detail["notes_sealed"]) == (ADA["notes"], False)


@pytest.mark.parametrize("spelling", ["ada.lovelace@example.org", "ADA.LOVELACE@EXAMPLE.ORG"])
def test_lookup_by_exact_email_uses_the_blind_index(ada, writer, tenant, spelling):
    writer.post(_path(tenant), {"discord_user_id": "300000000000000002", "username": "bob", "email": "b@example.org"})
    rows = writer.get(_path(tenant), {"email": spelling}).json()["results"]
    assert [row["username"] for row in rows] == ["ada"]
    assert writer.get(_path(tenant), {"email": "ada.lovelace@example.com"}).json()["results"] == []


def test_patch_changes_only_the_fields_sent(ada, writer, tenant):
    response = writer.patch(
        _path(tenant, f"{ADA['discord_user_id']}/"), {"notes": "", "date_of_birth": None}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["notes"], response.json()["date_of_birth"], response.json()["email"]) == (
        "",
        None,
        ADA["email"],
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"country": "UK"}, "country"),
        ({"country": "gbr"}, "country"),
        ({"email": "not-an-email"}, "email"),
        ({"email": 7}, "email"),
        ({"date_of_birth": "1961-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"discord_user_id": "12ab"}, "discord_user_id"),
        ({"username": ""}, "username"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"shoe_size": 44}, "shoe_size"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(writer, tenant, payload, field):
    response = writer.post(_path(tenant), {**ADA, **payload}, format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (400, "invalid", [field])
    assert Member.objects.count() == 0


def test_other_refusals(ada, writer, tenant, other_tenant, make_key, client_with_key):
    assert writer.post(_path(tenant), ADA, format="json").status_code == 409
    assert writer.get(_path(tenant, "399999999999999999/")).status_code == 404
    assert writer.patch(_path(tenant, f"{ADA['discord_user_id']}/"), {}, format="json").status_code == 400
    assert writer.get(_path(tenant), {"email": "nope"}).status_code == 400
    assert writer.get(_path(other_tenant)).status_code == 404
    _, reader_secret = make_key([ApiScope.MEMBERS_READ], tenant=tenant)
    reader = client_with_key(reader_secret)
    assert reader.get(_path(tenant)).status_code == 200
    assert (
        reader.patch(_path(tenant, f"{ADA['discord_user_id']}/"), {"country": "FR"}, format="json").status_code == 403
    )
    assert Member.objects.get(username="ada").country == "GB"


def test_an_undecryptable_value_is_a_json_error_naming_the_row_not_a_500(ada, writer, tenant):
    member = Member.objects.get(username="ada")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_member SET email = 'v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = %s", [member.pk]
        )

    response = writer.get(_path(tenant, f"{ADA['discord_user_id']}/"))

    assert response.status_code == 409
    assert response.json() == {
        "code": "corrupted_ciphertext",
        "message": f"accounts.Member.email of row {member.pk} cannot be decrypted: the ciphertext does not "
        "authenticate under data key v1 (altered, truncated or moved from another column)",
        "fields": {},
    }


def test_a_wrong_master_key_is_a_503_not_a_500(ada, writer, tenant, settings):
    settings.DBSBM_MASTER_KEY = "d3JvbmctbWFzdGVyLWtleS0wMDAwMDAwMDAwMDAwMDA="
    reset_master_key()
    key_ring.clear()
    try:
        response = writer.get(_path(tenant))
    finally:
        del settings.DBSBM_MASTER_KEY
        reset_master_key()
        key_ring.clear()
    assert (response.status_code, response.json()["code"]) == (503, "master_key_mismatch")
