"""POST /discord/interactions/: Discord's signature is required, checked before anything runs, and every
request Discord may send is answered with a body it understands (issue #15, item 2)."""

import json
import time

import pytest

from apps.core.actors import Actor
from apps.core.models import OutboxMessage
from apps.integration.discord.messages import EPHEMERAL
from apps.tenants.services import tenant_suspend
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import TenantFactory
from tests.integration.discord_helpers import (
    INTERACTIONS_URL,
    command,
    key_pair,
    post_signed,
    signed_headers,
    snowflake,
)

pytestmark = pytest.mark.django_db
BET_OPTIONS = {"market": "moneyline", "selection": "home", "odds": -110, "stake": 1, "team": "Lakers vs Suns"}


@pytest.fixture
def signing_key(settings):
    private, public_hex = key_pair()
    settings.DISCORD_PUBLIC_KEY = public_hex
    return private


def _refused_unchanged(client, body: bytes, headers: dict, *, status: int) -> dict:
    """POST, expect `status`, and prove that nothing was written (rows, audit, outbox)."""
    before, outbox = take_snapshot(), OutboxMessage.objects.count()
    response = client.post(INTERACTIONS_URL, data=body, content_type="application/json", headers=headers)
    assert response.status_code == status, response.content
    assert snapshot_diff(before, take_snapshot()) == {}
    assert OutboxMessage.objects.count() == outbox
    return response.json()


def test_a_ping_is_answered_with_a_pong(client, signing_key):
    response = post_signed(client, signing_key, {"type": 1, "id": snowflake(), "application_id": "900000000000000001"})

    assert (response.status_code, response.json()) == (200, {"type": 1})
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def _bet_body() -> bytes:
    return json.dumps(command("bet", **BET_OPTIONS)).encode()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda key, body: {}, id="unsigned"),
        pytest.param(lambda key, body: {**signed_headers(key, body), "X-Signature-Timestamp": "1"}, id="other-time"),
        pytest.param(lambda key, body: signed_headers(key, body + b" "), id="other-body"),
        pytest.param(lambda key, body: signed_headers(key_pair()[0], body), id="other-key"),
        pytest.param(lambda key, body: {**signed_headers(key, body), "X-Signature-Ed25519": "zz"}, id="not-hex"),
        pytest.param(lambda key, body: {**signed_headers(key, body), "X-Signature-Ed25519": "ab" * 32}, id="short"),
        pytest.param(lambda key, body: signed_headers(key, body, timestamp=int(time.time()) - 400), id="stale"),
        pytest.param(lambda key, body: signed_headers(key, body, timestamp=int(time.time()) + 400), id="future"),
    ],
)
def test_a_request_not_signed_by_the_application_key_is_401_and_runs_nothing(client, signing_key, tenant, headers):
    body = _bet_body()

    answer = _refused_unchanged(client, body, headers(signing_key, body), status=401)

    assert answer == {"code": "invalid_signature", "message": "Invalid request signature.", "fields": {}}


def test_without_a_configured_public_key_every_request_is_401(client, settings, tenant):
    private, _public = key_pair()
    settings.DISCORD_PUBLIC_KEY = ""
    body = _bet_body()

    _refused_unchanged(client, body, signed_headers(private, body), status=401)


def test_the_replay_window_follows_the_setting(client, signing_key, settings):
    settings.DISCORD_TIMESTAMP_TOLERANCE_SECONDS = 30
    ping = {"type": 1, "id": snowflake()}

    assert post_signed(client, signing_key, ping, timestamp=int(time.time()) - 31).status_code == 401
    assert post_signed(client, signing_key, ping, timestamp=int(time.time()) - 20).status_code == 200


def test_a_replayed_interaction_is_refused_even_when_signed_in_the_window(client, signing_key, tenant):
    payload = command("record")
    body = json.dumps(payload).encode()
    headers = signed_headers(signing_key, body)
    first = client.post(INTERACTIONS_URL, data=body, content_type="application/json", headers=headers)

    answer = _refused_unchanged(client, body, headers, status=401)

    assert first.status_code == 200
    assert answer["code"] == "replayed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[1, 2]", "invalid_interaction"),
        (json.dumps({"type": 3, "id": "1"}).encode(), "invalid_interaction"),  # a component click: not handled
        (json.dumps({"type": 2, "id": "1", "data": {"name": "record"}}).encode(), "invalid_interaction"),
    ],
)
def test_a_signed_body_that_is_not_a_usable_interaction_is_400(client, signing_key, tenant, body, code):
    answer = _refused_unchanged(client, body, signed_headers(signing_key, body), status=400)

    assert answer["code"] == code


def test_a_body_over_the_limit_is_413_before_it_is_verified(client, signing_key, settings):
    settings.DISCORD_INTERACTION_MAX_BYTES = 1024
    body = json.dumps({"type": 1, "padding": "x" * 2000}).encode()

    answer = _refused_unchanged(client, body, signed_headers(signing_key, body), status=413)

    assert answer["code"] == "payload_too_large"


def test_only_post_is_allowed(client, signing_key):
    assert client.get(INTERACTIONS_URL).status_code == 405


def _ephemeral_answer(response) -> str:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == 4
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}
    return body["data"]["content"]


@pytest.mark.parametrize("name", ["bet", "record", "leaderboard", "pending"])
def test_a_guild_that_is_no_tenant_gets_a_clear_private_answer(client, signing_key, name):
    options = BET_OPTIONS if name == "bet" else {}

    content = _ephemeral_answer(
        post_signed(client, signing_key, command(name, guild_id="999999999999999999", **options))
    )

    assert content.startswith("This server is not set up on DBSBM")


def test_a_suspended_tenant_is_told_so_and_nothing_is_enqueued(client, signing_key, tenant):
    tenant_suspend(tenant=tenant, actor=Actor.system("test"), reason="unpaid")
    before = OutboxMessage.objects.count()

    content = _ephemeral_answer(post_signed(client, signing_key, command("bet", **BET_OPTIONS)))

    assert content.startswith("This server's DBSBM account is suspended")
    assert OutboxMessage.objects.count() == before


def test_an_offboarded_tenant_is_like_an_unknown_server(client, signing_key):
    TenantFactory(guild_id="333333333333333333", status="offboarded")

    content = _ephemeral_answer(post_signed(client, signing_key, command("record", guild_id="333333333333333333")))

    assert content.startswith("This server is not set up on DBSBM")


def test_a_command_in_a_direct_message_is_asked_for_in_a_server(client, signing_key):
    content = _ephemeral_answer(post_signed(client, signing_key, command("pending", guild_id=None)))

    assert content.startswith("Use this command inside a server")


def test_an_unknown_command_is_answered_not_failed(client, signing_key, tenant):
    content = _ephemeral_answer(post_signed(client, signing_key, command("roulette")))

    assert content == "/roulette is not a DBSBM command (any more): ask an admin to update them."
