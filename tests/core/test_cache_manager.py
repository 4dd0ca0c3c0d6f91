"""The cache manager against the real Redis, and against a Redis that is really unreachable."""

import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django_redis import get_redis_connection

from apps.core.cache import breaker, cache_bump, cache_get_or_set, cache_versions, codec, namespace_statistics
from apps.core.cache.breaker import CLOSED, HALF_OPEN, OPEN

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: a real refused connection
        "KEY_PREFIX": "dbsbm-test",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}


class Counter:
    """A compute function that counts its calls and returns a value worth caching."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self) -> dict:
        with self._lock:
            self.calls += 1
            call = self.calls
        time.sleep(self.delay)
        return {"call": call, "units": Decimal("1.2500"), "at": datetime(2026, 11, 30, 12, tzinfo=UTC)}


def test_a_second_read_is_a_hit_with_the_same_types():
    compute = Counter()
    first = cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=1)
    second = cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=1)
    assert compute.calls == 1
    assert second == first
    assert isinstance(second["units"], Decimal) and isinstance(second["at"], datetime)


def test_a_tenant_bump_invalidates_that_tenant_only():
    compute = Counter()
    for tenant_id in (1, 2):
        cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=tenant_id)
    cache_bump("leaderboard", tenant_id=1)
    assert cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=1)["call"] == 3
    assert cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=2)["call"] == 2
    assert compute.calls == 3


def test_a_global_bump_invalidates_every_tenant():
    compute = Counter()
    for tenant_id in (1, 2):
        cache_get_or_set("game", "today", compute, tenant_id=tenant_id)
    cache_bump("game")
    for tenant_id in (1, 2):
        cache_get_or_set("game", "today", compute, tenant_id=tenant_id)
    assert compute.calls == 4


def test_values_are_stored_as_json_never_pickle():
    cache_get_or_set("leaderboard", "2026-11", Counter(), tenant_id=7)
    client = get_redis_connection("default")
    (key,) = [key for key in client.keys("*") if key.endswith(b"c:leaderboard:t7:2026-11")]
    raw = client.get(key)
    body = raw.split(b"\x1f", 2)[2]
    assert body.startswith(b'T[{"o":')  # JSON: the plan, then the data
    assert codec.loads(body)["units"] == Decimal("1.2500")


def test_the_codec_round_trips_what_the_selectors_cache():
    rows = [
        {"rank": rank, "name": f"capper {rank}", "net_units": Decimal(f"{rank}.5000"), "roi": None}
        for rank in range(1, 4)
    ]
    rows[1]["roi"] = Decimal("-0.1250")  # a plan that differs between rows
    value = {
        "rows": rows,
        "at": datetime(2026, 11, 30, 12, 30, 1, 123456, tzinfo=UTC),
        "day": datetime(2026, 11, 30, tzinfo=UTC).date(),
        "ids": (uuid.UUID(int=5), uuid.UUID(int=6)),
        "nested": [[Decimal("1.1")], [], [{"x": Decimal("2")}]],
        "plain": {"a": [1, 2.5, "three", None, True]},
        7: "int keys become strings, as JSON has it",
        "__decimal": "1.0",  # looks like a tag of the old format: stays a string
    }
    decoded = codec.loads(codec.dumps(value))
    assert decoded["rows"] == rows and isinstance(decoded["rows"][1]["roi"], Decimal)
    assert decoded["at"] == value["at"] and decoded["day"] == value["day"]
    assert decoded["ids"] == [uuid.UUID(int=5), uuid.UUID(int=6)]
    assert decoded["nested"] == [[Decimal("1.1")], [], [{"x": Decimal("2")}]]
    assert decoded["plain"] == value["plain"] and decoded["7"] == value[7] and decoded["__decimal"] == "1.0"
    assert codec.dumps({"a": [1, "b"]}).startswith(b"J")  # nothing to convert: no plan, no walk


def test_bytes_and_text_values_come_back_as_they_were_stored():
    body = b'{"results": [1, 2, 3]}' * 100
    assert cache_get_or_set("api", "bytes", lambda: body, tenant_id=1) == body
    assert cache_get_or_set("api", "bytes", lambda: b"recomputed", tenant_id=1) == body
    assert cache_get_or_set("api", "text", lambda: "h\u00e9llo", tenant_id=1) == "h\u00e9llo"
    assert cache_get_or_set("api", "text", lambda: "recomputed", tenant_id=1) == "h\u00e9llo"


def test_an_entry_of_another_format_is_a_miss_and_gets_replaced():
    cache_get_or_set("leaderboard", "old", lambda: {"n": 1}, tenant_id=9)
    client = get_redis_connection("default")
    (key,) = [key for key in client.keys("*") if key.endswith(b"c:leaderboard:t9:old")]
    client.set(key, b'{"v":"0.0","f":9999999999,"d":{"n":0}}')  # the format before this one
    assert cache_get_or_set("leaderboard", "old", lambda: {"n": 2}, tenant_id=9) == {"n": 2}
    assert cache_get_or_set("leaderboard", "old", lambda: {"n": 3}, tenant_id=9) == {"n": 2}


def test_the_codec_refuses_what_is_not_json():
    with pytest.raises(TypeError):
        codec.dumps({"value": object()})


def test_unknown_namespaces_are_refused():
    with pytest.raises(KeyError):
        cache_get_or_set("nonsense", "key", Counter())


def test_a_cold_key_is_computed_once_while_concurrent_readers_wait():
    compute = Counter(delay=0.1)
    results = []

    def read():
        results.append(cache_get_or_set("leaderboard", "cold", compute, tenant_id=3)["call"])

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert compute.calls == 1
    assert results == [1] * 8


def test_an_expired_key_is_recomputed_by_one_reader_while_the_others_get_the_stale_value(settings):
    settings.CACHE_TTLS = {**settings.CACHE_TTLS, "leaderboard": 1}
    compute = Counter(delay=0.3)
    cache_get_or_set("leaderboard", "hot", compute, tenant_id=4)
    time.sleep(1.1)
    results = []

    def read():
        results.append(cache_get_or_set("leaderboard", "hot", compute, tenant_id=4)["call"])

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert compute.calls == 2
    assert sorted(results) == [1] * 5 + [2]  # five served stale at once, one recomputed


def test_cache_versions_move_with_bumps_and_report_the_modification_time():
    before = cache_versions(["bet"], tenant_id=9)
    cache_bump("bet", tenant_id=9)
    after = cache_versions(["bet"], tenant_id=9)
    assert before[0] != after[0]
    assert after[1] >= int(time.time() * 1000) - 5000


def test_statistics_count_hits_and_misses_per_namespace():
    compute = Counter()
    for _ in range(3):
        cache_get_or_set("capper_ledger", "1:2026-11", compute, tenant_id=5)
    row = next(row for row in namespace_statistics() if row["namespace"] == "capper_ledger")
    assert (row["hit"], row["miss"]) == (2, 1)
    assert row["hit_ratio"] == pytest.approx(0.6667, abs=1e-4)


def test_an_unreachable_redis_opens_the_breaker_and_reads_go_to_the_source():
    compute = Counter()
    with override_settings(CACHES=UNREACHABLE_REDIS):
        for _ in range(breaker.failure_threshold):
            assert cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=1)["call"] == compute.calls
        assert breaker.state == OPEN
        for _ in range(50):
            cache_get_or_set("leaderboard", "2026-11", compute, tenant_id=1)
    assert compute.calls == breaker.failure_threshold + 50
    row = next(row for row in namespace_statistics() if row["namespace"] == "leaderboard")
    assert row["bypass"] == 50  # while open, no connection is attempted: every read bypassed Redis
    assert row["error"] == breaker.failure_threshold


def test_the_breaker_probes_after_the_cool_off_and_closes_when_redis_is_back(monkeypatch):
    monkeypatch.setattr(breaker, "reset_seconds", 0.2)
    compute = Counter()
    with override_settings(CACHES=UNREACHABLE_REDIS):
        for _ in range(breaker.failure_threshold):
            cache_get_or_set("leaderboard", "back", compute, tenant_id=1)
    assert breaker.state == OPEN
    time.sleep(0.25)
    assert breaker.state == HALF_OPEN
    cache_get_or_set("leaderboard", "back", compute, tenant_id=1)  # the probe reaches the real Redis
    assert breaker.state == CLOSED
    cache_get_or_set("leaderboard", "back", compute, tenant_id=1)
    assert compute.calls == breaker.failure_threshold + 1  # the probe cached it; the last read hit


def test_a_failed_probe_opens_the_breaker_again(monkeypatch):
    monkeypatch.setattr(breaker, "reset_seconds", 0.2)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        for _ in range(breaker.failure_threshold):
            cache_get_or_set("leaderboard", "still-down", Counter(), tenant_id=1)
        time.sleep(0.25)
        cache_get_or_set("leaderboard", "still-down", Counter(), tenant_id=1)
        assert breaker.state == OPEN


def test_with_the_cache_disabled_every_read_computes(settings):
    settings.CACHE_ENABLED = False
    compute = Counter()
    for _ in range(3):
        cache_get_or_set("leaderboard", "off", compute, tenant_id=1)
    assert compute.calls == 3
    assert cache_versions(["bet"], tenant_id=1) is None


def test_text_values_are_framed_not_json_encoded_and_come_back_unchanged():
    body = '{"results": ["a\\u00e9\\n", 1]}' * 100
    compute = Counter()
    cache_get_or_set("api", "body:1", lambda: (compute(), body)[1], tenant_id=1)
    assert cache_get_or_set("api", "body:1", lambda: (compute(), body)[1], tenant_id=1) == body
    assert compute.calls == 1
    client = get_redis_connection("default")
    (key,) = [key for key in client.keys("*") if key.endswith(b"c:api:t1:body:1")]
    assert client.get(key).endswith(body.encode())


def test_a_bump_lost_while_redis_was_unreachable_is_replayed_when_it_answers(monkeypatch):
    """The cached value must not outlive an outage by its TTL: the write happened, its bump comes later."""
    monkeypatch.setattr(breaker, "reset_seconds", 0.0)  # probe again at once
    compute = Counter()
    cache_get_or_set("leaderboard", "outage", compute, tenant_id=3)
    versions_before = cache_versions(["leaderboard"], tenant_id=3)

    with override_settings(CACHES=UNREACHABLE_REDIS):
        cache_bump("leaderboard", tenant_id=3)  # the write's bump: Redis does not answer

    assert cache_get_or_set("leaderboard", "outage", compute, tenant_id=3)["call"] == 2
    assert cache_versions(["leaderboard"], tenant_id=3)[0] != versions_before[0]
    assert cache_get_or_set("leaderboard", "outage", compute, tenant_id=3)["call"] == 3  # recomputed, then cached
    assert cache_get_or_set("leaderboard", "outage", compute, tenant_id=3)["call"] == 3


def test_an_etag_version_read_after_an_outage_includes_the_lost_bump(monkeypatch):
    monkeypatch.setattr(breaker, "reset_seconds", 0.0)
    before = cache_versions(["bet"], tenant_id=3)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        cache_bump("bet", tenant_id=3)

    assert cache_versions(["bet"], tenant_id=3)[0] != before[0]
