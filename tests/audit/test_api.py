from datetime import datetime

import pytest
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import TENANT_SCOPES
from apps.audit.models import AuditEvent
from apps.core.actors import Actor

pytestmark = pytest.mark.django_db

PLATFORM_URL = "/api/v1/audit-events/"
ALICE = Actor(kind="user", identifier="7", label="alice", ip_address="203.0.113.7", request_id="req-1")
BOT = Actor(kind="api_key", identifier="12", label="dbsbm_bot")


def _tenant_url(guild_id: str) -> str:
    return f"/api/v1/tenants/{guild_id}/audit-events/"


@pytest.fixture
def platform_client(make_key, client_with_key):
    _, secret = make_key([ApiScope.AUDIT_READ])
    return client_with_key(secret)


@pytest.fixture
def trail(record_events, tenant, other_tenant, actor) -> dict[str, object]:
    """Four events named by their reason, with time boundaries between them."""
    marks: dict[str, object] = {"start": timezone.now()}
    [marks["home_created"]] = record_events(
        1, action="tests.widget_created", guild_id=tenant.guild_id, target=tenant, reason="home_created"
    )
    marks["after_home_created"] = timezone.now()
    [marks["home_deleted"]] = record_events(
        1,
        actor=ALICE,
        action="tests.widget_deleted",
        guild_id=tenant.guild_id,
        target=other_tenant,
        reason="home_deleted",
        changes={"name": {"before": "a", "after": None}},
    )
    [marks["other_created"]] = record_events(
        1, actor=BOT, action="tests.widget_created", guild_id=other_tenant.guild_id, reason="other_created"
    )
    marks["after_other_created"] = timezone.now()
    [marks["platform_sent"]] = record_events(1, action="billing.invoice_sent", target=tenant, reason="platform_sent")
    return marks


def _reasons(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["reason"] for row in response.json()["results"]]


def test_platform_list_shows_every_event_newest_first(platform_client, trail):
    response = platform_client.get(PLATFORM_URL)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == list(
        AuditEvent.objects.order_by("-id").values_list("id", flat=True)
    )
    assert _reasons(response)[:4] == ["platform_sent", "other_created", "home_deleted", "home_created"]


def test_an_event_is_shown_with_all_its_fields(platform_client, trail, tenant, other_tenant):
    event = trail["home_deleted"]

    response = platform_client.get(f"{PLATFORM_URL}{event.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": event.pk,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "actor_kind": "user",
        "actor_identifier": "7",
        "actor_label": "alice",
        "guild_id": tenant.guild_id,
        "action": "tests.widget_deleted",
        "target_type": "tenants.tenant",
        "target_id": str(other_tenant.pk),
        "target_label": str(other_tenant),
        "changes": {"name": {"before": "a", "after": None}},
        "reason": "home_deleted",
        "request_id": "req-1",
        "ip_address": "203.0.113.7",
        "content_hash": event.content_hash,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "tests.widget_created"}, ["other_created", "home_created"]),
        ({"action_prefix": "tests."}, ["other_created", "home_deleted", "home_created"]),
        ({"action_prefix": "billing."}, ["platform_sent"]),
        ({"actor_kind": "user"}, ["home_deleted"]),
        ({"actor_kind": "api_key"}, ["other_created"]),
        ({"actor_kind": "system", "action_prefix": "tests."}, ["home_created"]),
        ({"actor_identifier": "12"}, ["other_created"]),
        ({"request_id": "req-1"}, ["home_deleted"]),
        ({"target_type": "tenants.tenant", "target_id": "{home_pk}"}, ["platform_sent", "home_created"]),
        ({"target_id": "{other_pk}"}, ["home_deleted"]),
        ({"guild_id": "{other_guild}"}, ["other_created"]),
        ({"guild_id": "{home_guild}", "action": "tests.widget_deleted"}, ["home_deleted"]),
        ({"occurred_after": "{after_home_created}"}, ["platform_sent", "other_created", "home_deleted"]),
        ({"occurred_before": "{after_home_created}", "occurred_after": "{start}"}, ["home_created"]),
        (
            {"occurred_after": "{after_home_created}", "occurred_before": "{after_other_created}"},
            ["other_created", "home_deleted"],
        ),
        ({"action": "tests.never_happened"}, []),
    ],
)
def test_platform_list_filters(platform_client, trail, tenant, other_tenant, query, expected):
    values = {
        "home_pk": tenant.pk,
        "other_pk": other_tenant.pk,
        "home_guild": tenant.guild_id,
        "other_guild": other_tenant.guild_id,
        **{name: mark.isoformat() for name, mark in trail.items() if isinstance(mark, datetime)},
    }

    response = platform_client.get(PLATFORM_URL, {name: value.format(**values) for name, value in query.items()})

    assert _reasons(response) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"actor_kind": "robot"}, "actor_kind"),
        ({"occurred_after": "yesterday"}, "occurred_after"),
        ({"action": "x" * 101}, "action"),
    ],
)
def test_platform_list_rejects_bad_filters_in_the_error_shape(platform_client, trail, query, field):
    response = platform_client.get(PLATFORM_URL, query)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid", [field])


def test_tenant_list_shows_only_that_tenants_events(make_key, client_with_key, tenant, trail):
    _, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant)

    response = client_with_key(secret).get(_tenant_url(tenant.guild_id))

    expected_ids = list(
        AuditEvent.objects.filter(guild_id=tenant.guild_id).order_by("-id").values_list("id", flat=True)
    )
    assert [row["id"] for row in response.json()["results"]] == expected_ids
    assert {row["guild_id"] for row in response.json()["results"]} == {tenant.guild_id}
    assert "home_deleted" in _reasons(response)
    assert "other_created" not in _reasons(response)


def test_a_platform_key_reads_any_tenants_trail(platform_client, other_tenant, trail):
    response = platform_client.get(_tenant_url(other_tenant.guild_id))

    assert _reasons(response) == ["other_created"]


def test_the_tenant_list_ignores_a_guild_filter(make_key, client_with_key, tenant, other_tenant, trail):
    _, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant)

    response = client_with_key(secret).get(
        _tenant_url(tenant.guild_id), {"guild_id": other_tenant.guild_id, "action_prefix": "tests."}
    )

    assert _reasons(response) == ["home_deleted", "home_created"]


@pytest.mark.parametrize(
    ("key", "url", "status", "code"),
    [
        (None, PLATFORM_URL, 401, "not_authenticated"),
        ("platform_without_scope", PLATFORM_URL, 403, "permission_denied"),
        ("home_tenant", PLATFORM_URL, 403, "permission_denied"),
        (None, "tenant:home", 401, "not_authenticated"),
        ("home_tenant_without_scope", "tenant:home", 403, "permission_denied"),
        ("home_tenant", "tenant:other", 404, "tenant_not_found"),
        ("home_tenant", "event:other_created", 404, "not_found"),
        ("home_tenant", "tenant:333333333333333333", 404, "tenant_not_found"),
    ],
)
def test_reads_outside_a_keys_reach_are_refused(
    make_key, client_with_key, tenant, other_tenant, trail, key, url, status, code
):
    secrets = {
        None: None,
        "platform_without_scope": make_key([ApiScope.TENANTS_READ])[1],
        "home_tenant": make_key([ApiScope.AUDIT_READ], tenant=tenant)[1],
        "home_tenant_without_scope": make_key([ApiScope.MEMBERS_READ], tenant=tenant)[1],
    }
    guilds = {"home": tenant.guild_id, "other": other_tenant.guild_id}
    if url.startswith("tenant:"):
        guild = url.removeprefix("tenant:")
        url = _tenant_url(guilds.get(guild, guild))
    elif url.startswith("event:"):
        url = f"{_tenant_url(tenant.guild_id)}{trail[url.removeprefix('event:')].pk}/"

    response = client_with_key(secrets[key]).get(url)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert "results" not in response.json()


@pytest.mark.parametrize(
    ("method", "on"),
    [
        ("post", "list"),
        ("put", "list"),
        ("patch", "list"),
        ("delete", "list"),
        ("post", "detail"),
        ("put", "detail"),
        ("patch", "detail"),
        ("delete", "detail"),
    ],
)
@pytest.mark.parametrize("scope", ["platform", "tenant"])
def test_nobody_can_write_the_trail_through_the_api(make_key, client_with_key, tenant, trail, method, on, scope):
    _, secret = make_key(TENANT_SCOPES, tenant=tenant) if scope == "tenant" else make_key(ApiScope.values)
    base = PLATFORM_URL if scope == "platform" else _tenant_url(tenant.guild_id)
    url = base if on == "list" else f"{base}{trail['home_created'].pk}/"
    before = list(AuditEvent.objects.order_by("pk").values())

    response = getattr(client_with_key(secret), method)(
        url, {"action": "tests.forged", "reason": "rewritten", "guild_id": tenant.guild_id}, format="json"
    )

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert list(AuditEvent.objects.order_by("pk").values()) == before


def test_cursor_pagination_walks_every_event_once(platform_client, record_events):
    events = record_events(7, action="tests.paged")
    expected = [event.pk for event in reversed(events)]

    pages = []
    response = platform_client.get(PLATFORM_URL, {"action": "tests.paged", "page_size": 3})
    while True:
        assert response.status_code == 200
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        if body["next"] is None:
            break
        assert "page_size=3" in body["next"]
        response = platform_client.get(body["next"])

    assert pages == [expected[0:3], expected[3:6], expected[6:7]]


def test_cursor_pages_do_not_shift_when_events_arrive(platform_client, record_events):
    events = record_events(6, action="tests.paged")
    first = platform_client.get(PLATFORM_URL, {"action": "tests.paged", "page_size": 3}).json()
    record_events(2, action="tests.paged", reason="late")

    second = platform_client.get(first["next"]).json()

    assert [row["id"] for row in second["results"]] == [event.pk for event in reversed(events[:3])]
    assert second["next"] is None


def test_page_size_is_capped(platform_client, record_events):
    record_events(205, action="tests.paged")

    response = platform_client.get(PLATFORM_URL, {"page_size": 1000})

    assert len(response.json()["results"]) == 200


@pytest.mark.parametrize("count", [1, 60])
@pytest.mark.parametrize("scope", ["platform", "tenant"])
def test_listing_stays_within_a_query_budget(
    make_key, client_with_key, record_events, tenant, django_assert_max_num_queries, count, scope
):
    _, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant if scope == "tenant" else None)
    client = client_with_key(secret)
    url = PLATFORM_URL if scope == "platform" else _tenant_url(tenant.guild_id)
    record_events(count, guild_id=tenant.guild_id, changes={"name": {"before": "a", "after": "b"}})
    client.get(url)  # the key's last-used time is written on its first use only

    # the key lookup, the tenant (tenant path), one page of events
    with django_assert_max_num_queries(3 if scope == "tenant" else 2):
        response = client.get(url, {"action": "tests.thing_done"})

    assert len(response.json()["results"]) == min(count, 50)


PLATFORM_ACTOR_FIELDS = ("actor_kind", "actor_identifier", "actor_label", "request_id", "ip_address")


def _actors(response) -> dict[str, tuple]:
    assert response.status_code == 200, response.json()
    return {row["reason"]: tuple(row[name] for name in PLATFORM_ACTOR_FIELDS) for row in response.json()["results"]}


def test_a_tenant_key_sees_no_platform_actor_details(make_key, client_with_key, record_events, tenant):
    """Staff usernames, platform key prefixes, addresses and request ids stay with the platform; the
    tenant's own keys are its own and stay visible (with their address and request id)."""
    platform_key, _ = make_key([ApiScope.TENANTS_ADMIN])
    own_key, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant)
    staff = Actor(kind="user", identifier="7", label="alice", ip_address="203.0.113.7", request_id="req-staff")
    platform = Actor(
        kind="api_key", identifier=str(platform_key.pk), label=platform_key.prefix, ip_address="198.51.100.1"
    )
    own = Actor(kind="api_key", identifier=str(own_key.pk), label=own_key.prefix, ip_address="192.0.2.5")
    anonymous = Actor(kind="system", identifier="anonymous", label="typed-username", ip_address="192.0.2.99")
    for name, who in {"staff": staff, "platform": platform, "own": own, "anonymous": anonymous}.items():
        record_events(1, actor=who, guild_id=tenant.guild_id, reason=name)
    record_events(1, actor=Actor.system("auto-grading"), guild_id=tenant.guild_id, reason="system")

    response = client_with_key(secret).get(_tenant_url(tenant.guild_id), {"action": "tests.thing_done"})

    assert _actors(response) == {
        "staff": ("user", "", "platform staff", "", None),
        "platform": ("api_key", "", "platform", "", None),
        "own": ("api_key", str(own_key.pk), own_key.prefix, "", "192.0.2.5"),
        "anonymous": ("system", "anonymous", "anonymous", "", None),
        "system": ("system", "auto-grading", "auto-grading", "", None),
    }
    detail = client_with_key(secret).get(f"{_tenant_url(tenant.guild_id)}{AuditEvent.objects.get(reason='staff').pk}/")
    assert tuple(detail.json()[name] for name in PLATFORM_ACTOR_FIELDS) == ("user", "", "platform staff", "", None)


def test_a_platform_key_reading_a_tenants_trail_sees_every_actor_detail(platform_client, record_events, tenant):
    staff = Actor(kind="user", identifier="7", label="alice", ip_address="203.0.113.7", request_id="req-staff")
    record_events(1, actor=staff, guild_id=tenant.guild_id, reason="staff")

    response = platform_client.get(_tenant_url(tenant.guild_id))

    assert _actors(response) == {"staff": ("user", "7", "alice", "req-staff", "203.0.113.7")}


@pytest.mark.parametrize(
    "query", [{"actor_identifier": "7"}, {"request_id": "req-staff"}, {"actor_identifier": "7", "actor_kind": "user"}]
)
def test_a_tenant_key_cannot_find_platform_actors_by_filtering(make_key, client_with_key, record_events, tenant, query):
    """Filtering by a staff user's id or a platform request id would tell them apart again."""
    _, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant)
    staff = Actor(kind="user", identifier="7", label="alice", ip_address="203.0.113.7", request_id="req-staff")
    record_events(2, actor=staff, guild_id=tenant.guild_id)

    response = client_with_key(secret).get(_tenant_url(tenant.guild_id), query)

    assert _reasons(response) == []


def test_a_tenant_key_finds_its_own_keys_events_by_identifier(make_key, client_with_key, record_events, tenant):
    own_key, secret = make_key([ApiScope.AUDIT_READ], tenant=tenant)
    own = Actor(kind="api_key", identifier=str(own_key.pk), label=own_key.prefix, request_id="req-own")
    record_events(1, actor=own, guild_id=tenant.guild_id, reason="own")
    record_events(1, actor=ALICE, guild_id=tenant.guild_id, reason="staff")
    client = client_with_key(secret)

    assert _reasons(client.get(_tenant_url(tenant.guild_id), {"actor_identifier": str(own_key.pk)})) == ["own"]
    assert _reasons(client.get(_tenant_url(tenant.guild_id), {"request_id": "req-own"})) == ["own"]
