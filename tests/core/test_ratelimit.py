"""Rate limits: plan quota per key, per address without a valid key, bet placements per capper.

The counters are the real ones in Redis; only the clock is ours, so that a test sits inside one
window and can step into the next one.
"""

import pytest
from django.dispatch import receiver

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import TENANT_SCOPES
from apps.audit.models import AuditEvent
from apps.betting.models import Bet, BetLeg
from apps.betting.services import capper_create
from apps.core.api import ratelimit
from apps.core.cache import breaker
from apps.core.signals import throttle_failed_open
from apps.tenants.choices import PlanCode
from apps.tenants.plans import plan_for

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"
BETS = "/api/v1/tenants/111111111111111111/bets/"
# 15 seconds into a minute (and into a 5-minute window): 45 seconds of the minute are left
WINDOW_START = 1_800_000_000.0
assert WINDOW_START % 300 == 0


class Clock:
    def __init__(self) -> None:
        self.now = WINDOW_START + 15

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimit, "clock", clock)
    return clock


@pytest.fixture
def tenant_key(tenant, make_key, client_with_key):
    """A client with a key of `tenant` (free plan) holding every scope a tenant key may hold."""
    _, secret = make_key(TENANT_SCOPES, tenant=tenant)
    return client_with_key(secret)


def _rate_headers(response) -> tuple[str | None, str | None, str | None]:
    return response.get("RateLimit-Limit"), response.get("RateLimit-Remaining"), response.get("RateLimit-Reset")


def test_a_free_plan_key_gets_429_on_call_61_of_a_minute(clock, tenant_key):
    assert plan_for(PlanCode.FREE).api_calls_per_minute == 60
    for call in range(1, 61):
        response = tenant_key.get(PLANS)
        assert response.status_code == 200, (call, response.content)
        assert _rate_headers(response) == ("60", str(60 - call), "45")

    refused = tenant_key.get(PLANS)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert _rate_headers(refused) == ("60", "0", "45")
    assert refused.json() == {
        "code": "throttled",
        "message": "This API key has used its 60 calls of this minute. Expected available in 45 seconds.",
        "fields": {},
    }
    clock.now = WINDOW_START + 60  # the next minute
    again = tenant_key.get(PLANS)
    assert again.status_code == 200
    assert _rate_headers(again) == ("60", "59", "60")


@pytest.mark.parametrize("plan_code", PlanCode.values)
def test_a_tenant_key_is_limited_by_its_plan(clock, tenant, tenant_key, plan_code):
    tenant.plan_code = plan_code
    tenant.save(update_fields=["plan_code"])

    response = tenant_key.get(PLANS)

    limit = plan_for(plan_code).api_calls_per_minute
    assert _rate_headers(response) == (str(limit), str(limit - 1), "45")


def test_a_platform_key_is_limited_by_the_setting(clock, settings, make_key, client_with_key):
    settings.RATELIMIT_PLATFORM_KEY_PER_MINUTE = 3
    _, secret = make_key(ApiScope.values)
    client = client_with_key(secret)

    statuses = [client.get(PLANS).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_keys_are_counted_separately(clock, settings, tenant, make_key, client_with_key):
    settings.RATELIMIT_PLATFORM_KEY_PER_MINUTE = 1
    first, second = (client_with_key(make_key(ApiScope.values)[1]) for _ in range(2))

    statuses = [first.get(PLANS).status_code, first.get(PLANS).status_code, second.get(PLANS).status_code]

    assert statuses == [200, 429, 200]


@pytest.mark.parametrize(
    ("scopes", "path", "refusal"),
    [
        (ApiScope.values, "/api/v1/tenants/999999999999999999/", 404),  # probing guild ids
        (["bets:read"], "/api/v1/tenants/111111111111111111/api-keys/", 403),  # a scope the key lacks
    ],
    ids=["unknown tenant", "missing scope"],
)
def test_refused_calls_of_a_key_count_against_its_quota(
    clock, settings, tenant, make_key, client_with_key, scopes, path, refusal
):
    settings.RATELIMIT_PLATFORM_KEY_PER_MINUTE = 2
    client = client_with_key(make_key(scopes)[1])

    statuses = [client.get(path).status_code for _ in range(3)]

    assert statuses == [refusal, refusal, 429]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer dbsbm_not-a-real-key", "Basic dXNlcjpwYXNz"],
    ids=["no key", "unknown key", "wrong scheme"],
)
def test_requests_without_a_valid_key_are_limited_per_address(clock, settings, api_client, tenant_key, authorization):
    settings.RATELIMIT_ANONYMOUS_PER_MINUTE = 5
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    address = {"REMOTE_ADDR": "203.0.113.7"}

    # a client that writes its own X-Forwarded-For does not get a fresh budget per request
    statuses = [
        api_client.get(PLANS, **headers, **address, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").status_code
        for number in range(6)
    ]

    assert statuses == [401, 401, 401, 401, 401, 429]
    refused = api_client.get(PLANS, **headers, **address)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert _rate_headers(refused) == ("5", "0", "45")
    assert refused.json()["code"] == "throttled"
    # other addresses, and valid keys from the same address, are not affected
    assert api_client.get(PLANS, **headers, REMOTE_ADDR="203.0.113.8").status_code == 401
    assert tenant_key.get(PLANS, **address).status_code == 200


def test_a_401_carries_the_address_budget(clock, settings, api_client):
    settings.RATELIMIT_ANONYMOUS_PER_MINUTE = 5

    response = api_client.get(PLANS)

    assert response.status_code == 401
    assert _rate_headers(response) == ("5", "4", "45")


def test_the_trusted_proxy_count_picks_the_address_our_proxy_appended(clock, settings, api_client):
    settings.RATELIMIT_ANONYMOUS_PER_MINUTE = 1
    settings.DBSBM_TRUSTED_PROXIES = 1

    first = api_client.get(PLANS, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
    spoofed = api_client.get(PLANS, HTTP_X_FORWARDED_FOR="2.2.2.2, 203.0.113.7")
    other = api_client.get(PLANS, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.8")

    assert [first.status_code, spoofed.status_code, other.status_code] == [401, 429, 401]


# ---- bet placements per capper ------------------------------------------------------------------


@pytest.fixture
def betting_tenant(tenant):
    """The home tenant on a plan without a pending-bet quota, so only the placement limit applies."""
    tenant.plan_code = PlanCode.ENTERPRISE
    tenant.save(update_fields=["plan_code"])
    return tenant


@pytest.fixture
def cappers(betting_tenant, actor):
    return [
        capper_create(tenant=betting_tenant, actor=actor, discord_user_id=discord_id, username=name)
        for discord_id, name in (("500000000000000001", "joe"), ("500000000000000002", "ann"))
    ]


@pytest.fixture
def bets_client(betting_tenant, make_key, client_with_key):
    _, secret = make_key(["bets:read", "bets:write"], tenant=betting_tenant)
    return client_with_key(secret)


def _bet(external_id: str, capper: str = "500000000000000001") -> dict:
    leg = {"market": "moneyline", "selection": "home", "odds": -110, "description": "Lakers"}
    return {"external_id": external_id, "capper": capper, "stake_units": "1.00", "legs": [leg]}


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Bet, BetLeg, AuditEvent)}


def test_the_51st_placement_of_a_capper_in_5_minutes_is_refused_and_writes_nothing(clock, cappers, bets_client):
    for number in range(50):
        placed = bets_client.post(BETS, _bet(f"m{number}"), format="json")
        assert placed.status_code == 201, placed.json()
    clock.now = WINDOW_START + 299  # still the same 5-minute window
    before = _row_counts()

    refused = bets_client.post(BETS, _bet("m50"), format="json")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert _rate_headers(refused) == ("50", "0", "1")
    assert refused.json()["message"] == (
        "This capper has placed 50 bets in the current window. Expected available in 1 second."
    )
    assert _row_counts() == before
    assert not Bet.objects.filter(external_id="m50").exists()
    # another capper of the tenant is not held back; the same capper may post again next window
    assert bets_client.post(BETS, _bet("n0", capper="500000000000000002"), format="json").status_code == 201
    clock.now = WINDOW_START + 300
    assert bets_client.post(BETS, _bet("m50"), format="json").status_code == 201


def test_a_placement_reports_the_tighter_of_its_limits(clock, cappers, bets_client):
    placed = bets_client.post(BETS, _bet("m1"), format="json")

    assert placed.status_code == 201
    # the key's enterprise quota leaves 5999 of 6000; the capper's placements leave 49 of 50
    assert _rate_headers(placed) == ("50", "49", "285")


def test_reads_do_not_use_the_placement_budget(clock, cappers, bets_client):
    for _ in range(3):
        assert bets_client.get(BETS).status_code == 200

    placed = bets_client.post(BETS, _bet("m1"), format="json")

    assert placed["RateLimit-Remaining"] == "49"


# ---- Redis down: fail open -------------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    """The cache pointed at a port where nothing listens: every call is a real refused connection."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }


@pytest.fixture
def failed_open():
    sent = []

    @receiver(throttle_failed_open, weak=False)
    def _record(sender, **kwargs):
        sent.append(kwargs)

    yield sent
    throttle_failed_open.disconnect(_record)


def test_a_key_is_let_through_when_the_cache_is_down(tenant, make_key, client_with_key, cache_down, failed_open):
    tenant_api_key, secret = make_key(TENANT_SCOPES, tenant=tenant)

    response = client_with_key(secret).get(PLANS)

    assert response.status_code == 200
    assert _rate_headers(response) == (None, None, None)
    assert [(sent["scope"], sent["identity"]) for sent in failed_open] == [("api_key", str(tenant_api_key.pk))]
    assert failed_open[0]["error"] in {"ConnectionError", "ConnectionInterrupted"}  # redis-py's, or django-redis's


def test_a_request_without_a_key_is_refused_not_failed_when_the_cache_is_down(api_client, cache_down, failed_open):
    response = api_client.get(PLANS)

    assert response.status_code == 401
    assert [(sent["scope"], sent["identity"]) for sent in failed_open] == [("anonymous", "127.0.0.1")]


def test_an_outage_is_reported_once_per_scope_not_once_per_request(
    tenant, make_key, client_with_key, cache_down, failed_open
):
    _, secret = make_key(TENANT_SCOPES, tenant=tenant)
    client = client_with_key(secret)

    statuses = [client.get(PLANS).status_code for _ in range(10)]

    assert statuses == [200] * 10
    assert [sent["scope"] for sent in failed_open] == ["api_key"]


def test_while_the_breaker_is_open_no_redis_connection_is_attempted(
    tenant, make_key, client_with_key, cache_down, failed_open
):
    _, secret = make_key(TENANT_SCOPES, tenant=tenant)
    client = client_with_key(secret)
    for _ in range(breaker.failure_threshold):
        client.get(PLANS)
    assert breaker.state == "open"
    opened = breaker.times_opened

    assert [client.get(PLANS).status_code for _ in range(20)] == [200] * 20
    assert breaker.times_opened == opened  # no new failures: nothing reached for Redis
