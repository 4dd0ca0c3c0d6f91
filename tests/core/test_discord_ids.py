"""One Discord id rule everywhere (issue 11, item 8): a snowflake is 17 to 20 digits, no leading zero,
at most 2**64 - 1 (apps.core.discord). Tenants, members, cappers and data-subject requests all use it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.choices import ApiScope
from apps.accounts.models import Member
from apps.betting.admin.forms import CapperAddForm
from apps.core.discord import validate_discord_id
from apps.tenants.models import Tenant
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

HOME = "/api/v1/tenants/111111111111111111"
INVALID = ["1234", "1234567890123456", "012345678901234567", "18446744073709551616", "99999999999999999999", "1e17"]
VALID = ["12345678901234567", "111111111111111111", "1234567890123456789", "18446744073709551615"]


@pytest.fixture
def client(tenant, make_key, client_with_key):
    _, secret = make_key(ApiScope.values, name="platform")
    return client_with_key(secret)


@pytest.mark.parametrize("value", VALID)
def test_a_snowflake_of_17_to_20_digits_is_a_discord_id(value):
    validate_discord_id(value)


@pytest.mark.parametrize("value", INVALID)
def test_anything_else_is_refused(value):
    with pytest.raises(ValidationError, match="17 to 20 digits"):
        validate_discord_id(value)


def _writes(client, value: str):
    return {
        "tenant": (client.post, "/api/v1/tenants/", {"guild_id": value, "name": "Guild"}, "guild_id"),
        "member": (client.post, f"{HOME}/members/", {"discord_user_id": value, "username": "sam"}, "discord_user_id"),
        "capper": (client.post, f"{HOME}/cappers/", {"discord_user_id": value, "username": "sam"}, "discord_user_id"),
        "request": (
            client.post,
            "/api/v1/privacy/requests/",
            {"guild_id": "111111111111111111", "discord_user_id": value, "kind": "access"},
            "discord_user_id",
        ),
        "request-guild": (
            client.post,
            "/api/v1/privacy/requests/",
            {"guild_id": value, "discord_user_id": "400000000000000001", "kind": "access"},
            "guild_id",
        ),
    }


WRITES = ["tenant", "member", "capper", "request", "request-guild"]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("value", ["1234", "123456789012345", "99999999999999999999"])
def test_every_write_refuses_what_is_not_a_discord_id_and_changes_nothing(client, write, value):
    before = take_snapshot()
    post, path, body, field = _writes(client, value)[write]

    response = post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["fields"][field] == ["Must be a Discord id: 17 to 20 digits, as a string."]
    assert snapshot_diff(before, take_snapshot()) == {}


@pytest.mark.parametrize("write", ["tenant", "member", "capper"])
def test_every_write_accepts_a_17_digit_discord_id(client, write):
    post, path, body, field = _writes(client, "12345678901234567")[write]

    response = post(path, body, format="json")

    assert response.status_code == 201, response.content


def test_the_models_refuse_a_short_id():
    with pytest.raises(ValidationError) as raised:
        Tenant(guild_id="1234", name="Guild").full_clean()
    assert "guild_id" in raised.value.message_dict
    member = Member(tenant=TenantFactory(), discord_user_id="1234", username="sam")
    with pytest.raises(ValidationError) as raised:
        member.full_clean()
    assert "discord_user_id" in raised.value.message_dict


def test_the_database_refuses_a_short_guild_id():
    # members have no such constraint: erasure replaces their id with a marker that is not a Discord id
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenant.objects.create(guild_id="1234", name="Guild")


def test_the_admin_capper_form_refuses_a_short_id():
    field = CapperAddForm().fields["discord_user_id"]

    with pytest.raises(ValidationError, match="17 to 20 digits"):
        field.clean("1234")
    assert field.clean("12345678901234567") == "12345678901234567"
