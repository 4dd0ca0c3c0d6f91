"""The conditional GET fast path (apps.core.middleware.ConditionalGetMiddleware) and cached API keys.

A 304 answered first in the middleware stack must be the very answer the full stack gives: same
headers, same refusals in the same order (401 → 404 → 403), rate limits counted once. Keys and
tenants are read through the cache, so revoking a key or suspending a tenant must still bite on the
next request. Transactional: the cache stores nothing computed inside a transaction that bumped it,
and the keys and tenants here are created by services that bump.
"""

import asyncio
from datetime import timedelta

import pytest
from django.core.asgi import get_asgi_application
from django.core.cache import caches
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.betting.api.views import BetViewSet
from apps.core.api import ratelimit
from apps.core.cache import cache_bump
from apps.core.middleware import ConditionalGetASGI
from apps.tenants.services import tenant_reactivate, tenant_suspend

pytestmark = pytest.mark.django_db(transaction=True)

BETS = "/api/v1/tenants/111111111111111111/bets/"
# per-request values; RateLimit-Reset counts down in seconds, so two requests may straddle a second
NOT_COMPARED = {"X-Request-ID", "traceparent", "RateLimit-Remaining", "RateLimit-Reset", "Date"}


@pytest.fixture
def reader(tenant, make_key, client_with_key):
    api_key, secret = make_key(["bets:read"], tenant=tenant)
    client = client_with_key(secret)
    first = client.get(BETS)
    assert first.status_code == 200
    return api_key, client, first["ETag"]


@pytest.fixture
def view_must_not_run(monkeypatch):
    def forbid():
        def dispatch(self, request, *args, **kwargs):
            raise AssertionError("the fast path should have answered")

        monkeypatch.setattr(BetViewSet, "dispatch", dispatch, raising=False)

    return forbid


def test_a_conditional_get_is_answered_before_the_view_with_the_full_stacks_headers(
    reader, settings, view_must_not_run
):
    _, client, etag = reader
    settings.CONDITIONAL_GET_FAST_PATH = False
    full = client.get(BETS, HTTP_IF_NONE_MATCH=etag)
    settings.CONDITIONAL_GET_FAST_PATH = True
    view_must_not_run()

    fast = client.get(BETS, HTTP_IF_NONE_MATCH=etag)

    assert full.status_code == fast.status_code == 304
    assert fast.content == b""
    compared = lambda response: {k: v for k, v in response.headers.items() if k not in NOT_COMPARED}  # noqa: E731
    assert compared(fast) == compared(full)
    assert fast["ETag"] == etag and fast["X-Request-ID"] and fast["RateLimit-Remaining"]
    assert int(fast["RateLimit-Remaining"]) == int(full["RateLimit-Remaining"]) - 1  # counted once
    assert 0 <= int(full["RateLimit-Reset"]) - int(fast["RateLimit-Reset"]) <= 1  # the same window


def test_a_stale_etag_goes_to_the_view(reader, client_with_key):
    _, client, _ = reader
    response = client.get(BETS, HTTP_IF_NONE_MATCH='"0000"')
    assert response.status_code == 200 and response["ETag"]


def test_refusals_keep_their_order_on_the_conditional_path(reader, make_key, client_with_key, other_tenant):
    _, _, etag = reader
    assert client_with_key(None).get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert client_with_key("dbsbm_00000000_nonsense").get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 401
    _, elsewhere = make_key(["bets:read"], tenant=other_tenant)
    assert client_with_key(elsewhere).get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 404
    _, scopeless = make_key(["tenants:read"], tenant=reader[0].tenant)
    response = client_with_key(scopeless).get(BETS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 403, response.content


def test_a_revoked_key_is_refused_at_once(reader, actor):
    api_key, client, etag = reader
    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 304  # the key is cached now

    api_key_revoke(api_key=api_key, actor=actor, reason="leaked")

    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert client.get(BETS).status_code == 401


def test_a_suspended_tenant_is_refused_at_once_and_back_on_reactivation(reader, actor):
    api_key, client, etag = reader
    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 304

    tenant_suspend(tenant=api_key.tenant, actor=actor, reason="unpaid")

    conditional = client.get(BETS, HTTP_IF_NONE_MATCH=etag)
    assert conditional.status_code == 403 and b"suspended" in conditional.content
    assert client.get(BETS).status_code == 403

    tenant_reactivate(tenant=api_key.tenant, actor=actor)
    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_expired_key_is_refused_although_cached(reader, monkeypatch):
    api_key, client, etag = reader
    # a key that expires in the future, cached by a first use; then the clock passes its expiry
    expires = timezone.now() + timedelta(hours=1)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=expires)
    cache_bump("api_key")
    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code in (200, 304)
    later = expires + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(BETS, HTTP_IF_NONE_MATCH=etag).status_code == 401


def test_a_rate_limited_conditional_get_is_counted_once(reader, settings, monkeypatch):
    api_key, client, etag = reader
    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)
    window = int(now // 60)
    counter = f"ratelimit:api_key:{api_key.pk}:{window}"
    cache = caches[settings.RATELIMIT_CACHE_ALIAS]
    cache.delete(counter)
    api_key.tenant.refresh_from_db()
    limit = api_key.tenant.plan.api_calls_per_minute
    cache.set(counter, limit - 2, timeout=120)

    answers = [client.get(BETS, HTTP_IF_NONE_MATCH=etag) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [304, 304, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["1", "0", "0"]
    assert answers[2]["Retry-After"]
    assert cache.get(counter) == limit + 1  # three requests, three counts: the refused one not twice


def _asgi_get(application, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One GET through an ASGI application, in process."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    sent: list[dict] = []

    async def run() -> None:
        done = asyncio.Event()
        received: list[int] = []

        async def receive() -> dict:
            if not received:
                received.append(1)
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await application(scope, receive, send)

    asyncio.run(run())
    start = sent[0]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_the_asgi_entry_answers_the_same_304_before_django(reader, view_must_not_run):
    _, client, etag = reader
    secret = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    through_middleware = client.get(BETS, HTTP_IF_NONE_MATCH=etag)
    view_must_not_run()
    application = ConditionalGetASGI(get_asgi_application())

    status, headers, body = _asgi_get(application, BETS, {"Authorization": f"Bearer {secret}", "If-None-Match": etag})

    assert status == 304 and body == b""
    compared = {k: v for k, v in through_middleware.headers.items() if k not in NOT_COMPARED}
    assert {k: v for k, v in headers.items() if k not in NOT_COMPARED} == compared
    assert int(headers["RateLimit-Remaining"]) == int(through_middleware["RateLimit-Remaining"]) - 1
    assert 0 <= int(through_middleware["RateLimit-Reset"]) - int(headers["RateLimit-Reset"]) <= 1  # the same window


def test_a_rate_limited_conditional_get_through_the_asgi_entry_is_counted_once(reader, settings, monkeypatch):
    api_key, client, etag = reader
    secret = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)
    counter = f"ratelimit:api_key:{api_key.pk}:{int(now // 60)}"
    cache = caches[settings.RATELIMIT_CACHE_ALIAS]
    api_key.tenant.refresh_from_db()
    limit = api_key.tenant.plan.api_calls_per_minute
    cache.set(counter, limit - 1, timeout=120)
    application = ConditionalGetASGI(get_asgi_application())
    headers = {"Authorization": f"Bearer {secret}", "If-None-Match": etag}

    statuses = [_asgi_get(application, BETS, headers)[0] for _ in range(2)]

    assert statuses == [304, 429]
    assert cache.get(counter) == limit + 1
