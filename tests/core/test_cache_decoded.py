"""Decoded copies and read-only values: a hit reuses what this process decoded from the same bytes."""

import copy
import json
import pickle
import time
from decimal import Decimal

import orjson
import pytest
from django.test import override_settings
from django_redis import get_redis_connection

from apps.core.cache import cache_bump, cache_get_or_set
from apps.core.cache.decoded import DecodedCopies, decoded_copies
from apps.core.cache.frozen import FrozenDict, FrozenList, freeze
from apps.core.cache.manager import _encode_entry, _names, _version
from apps.core.cache.store import default_store
from apps.core.choices import MemoryLevel
from apps.core.monitoring.memory import _cleanups_run


def _rows(marker: str):
    def compute() -> list[dict]:
        return [{"rank": 1, "name": marker, "net_units": Decimal("2.50"), "tags": ["a"]}]

    return compute


def _pickled(value):
    """A pickle round trip (of bytes this test just made, for the locmem cache and Celery's sake)."""
    return pickle.loads(pickle.dumps(value))  # noqa: S301


def _stored_version(namespace: str, tenant_id: int) -> str:
    global_name, tenant_name, _ = _names(namespace, "", tenant_id)
    return _version(*default_store().mget([global_name, tenant_name]))


def test_hits_on_the_same_stored_bytes_return_the_one_decoded_value():
    decoded_copies.clear()
    first = cache_get_or_set("leaderboard", "2026-11:decoded", _rows("first"), tenant_id=7)
    second = cache_get_or_set("leaderboard", "2026-11:decoded", _rows("unused"), tenant_id=7)
    third = cache_get_or_set("leaderboard", "2026-11:decoded", _rows("unused"), tenant_id=7)

    assert first == [{"rank": 1, "name": "first", "net_units": Decimal("2.50"), "tags": ["a"]}]
    assert second is third  # decoded once, then reused
    assert second == first and isinstance(second[0]["net_units"], Decimal)


def test_an_entry_rewritten_by_another_process_under_the_same_version_is_decoded_again():
    """The copy is keyed by the stored bytes, not by the version: any rewrite is seen at once."""
    cache_get_or_set("leaderboard", "2026-11:rewritten", _rows("ours"), tenant_id=7)
    assert cache_get_or_set("leaderboard", "2026-11:rewritten", _rows("unused"), tenant_id=7)[0]["name"] == "ours"

    _, _, value_name = _names("leaderboard", "2026-11:rewritten", 7)
    theirs = _encode_entry(_stored_version("leaderboard", 7), time.time() + 60, _rows("theirs")())
    default_store().set(value_name, theirs, 60)  # what another worker's recompute writes

    assert cache_get_or_set("leaderboard", "2026-11:rewritten", _rows("unused"), tenant_id=7)[0]["name"] == "theirs"


def test_a_bump_is_not_hidden_by_a_decoded_copy():
    cache_get_or_set("leaderboard", "2026-11:bumped", _rows("before"), tenant_id=7)
    cache_get_or_set("leaderboard", "2026-11:bumped", _rows("unused"), tenant_id=7)

    cache_bump("leaderboard", tenant_id=7)

    assert cache_get_or_set("leaderboard", "2026-11:bumped", _rows("after"), tenant_id=7)[0]["name"] == "after"


def test_garbage_under_the_key_is_a_miss_not_an_old_copy():
    cache_get_or_set("leaderboard", "2026-11:garbage", _rows("first"), tenant_id=7)
    _, _, value_name = _names("leaderboard", "2026-11:garbage", 7)
    get_redis_connection("default").set(default_store().key(value_name), b"not an entry")

    assert cache_get_or_set("leaderboard", "2026-11:garbage", _rows("again"), tenant_id=7)[0]["name"] == "again"


@pytest.mark.parametrize("source", ["computed", "decoded"])
def test_values_handed_out_are_read_only(source):
    key = f"2026-11:read-only:{source}"
    value = cache_get_or_set("leaderboard", key, _rows("x"), tenant_id=7)
    if source == "decoded":
        value = cache_get_or_set("leaderboard", key, _rows("unused"), tenant_id=7)

    with pytest.raises(TypeError, match="read-only"):
        value.append({})
    with pytest.raises(TypeError, match="read-only"):
        value[0]["name"] = "changed"
    with pytest.raises(TypeError, match="read-only"):
        value[0]["tags"].append("b")
    with pytest.raises(TypeError, match="read-only"):
        value[0].update(name="changed")
    assert cache_get_or_set("leaderboard", key, _rows("unused"), tenant_id=7)[0]["name"] == "x"


def test_read_only_values_behave_as_plain_ones_everywhere_else():
    frozen = freeze({"rows": [{"units": 1, "tags": ("a", ["b"])}], "name": "n"})
    plain = {"rows": [{"units": 1, "tags": ("a", ["b"])}], "name": "n"}

    assert frozen == plain
    assert isinstance(frozen, dict) and isinstance(frozen["rows"], list)
    assert type(frozen["rows"][0]["tags"][1]) is FrozenList
    assert json.loads(json.dumps(frozen)) == json.loads(json.dumps(plain))
    assert orjson.loads(orjson.dumps(frozen)) == json.loads(json.dumps(plain))

    for changeable in (dict(frozen), copy.copy(frozen), copy.deepcopy(frozen), _pickled(frozen)):
        changeable["name"] = "changed"
        assert type(changeable) is dict and changeable["name"] == "changed"
    deep = copy.deepcopy(frozen)
    deep["rows"][0]["units"] = 2
    deep["rows"].append({})
    assert frozen["rows"] == [{"units": 1, "tags": ("a", ["b"])}]
    assert type(_pickled(frozen["rows"])) is list
    assert type(freeze(FrozenDict(a=1))) is FrozenDict


@override_settings(CACHE_DECODED_COPIES_MAX_ENTRIES=2)
def test_copies_are_bounded_by_count_oldest_dropped_first():
    copies = DecodedCopies()
    for name in ("a", "b", "c"):
        copies.put(name, name.encode() * 10, 0.0, name)

    assert copies.get("a", b"a" * 10) is None
    assert (copies.get("b", b"b" * 10), copies.get("c", b"c" * 10)) == ((0.0, "b"), (0.0, "c"))
    assert copies.size() == (2, 20)


@override_settings(CACHE_DECODED_COPIES_MAX_ENTRIES=100, CACHE_DECODED_COPIES_MAX_BYTES=800)
def test_copies_are_bounded_by_the_bytes_they_stand_for():
    copies = DecodedCopies()
    for index in range(9):
        copies.put(str(index), bytes([index]) * 100, 0.0, index)
    assert copies.size() == (8, 800)
    assert copies.get("0", bytes([0]) * 100) is None

    copies.put("huge", b"h" * 101, 0.0, "huge")  # more than an eighth of the budget: never kept
    assert copies.get("huge", b"h" * 101) is None
    assert copies.size() == (8, 800)


def test_the_memory_cleanup_empties_the_copies():
    cache_get_or_set("leaderboard", "2026-11:cleanup", _rows("x"), tenant_id=7)
    cache_get_or_set("leaderboard", "2026-11:cleanup", _rows("x"), tenant_id=7)
    assert decoded_copies.size()[0] >= 1

    ran = _cleanups_run(MemoryLevel.HIGH)

    assert "clear local-memory caches" in ran
    assert decoded_copies.size() == (0, 0)
