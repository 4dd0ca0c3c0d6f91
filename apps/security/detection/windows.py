"""Sliding windows in Redis sorted sets: the cheap check made as each event arrives.

One sorted set per (rule version, group key); members are event ids (or, for a distinct count, the
distinct values), scores the event times. Adding, trimming what fell out of the window, counting and
renewing the expiry run in one MULTI, so concurrent web processes and workers count exactly.
Without Redis (the embedded configuration) `redis_windows()` is None and the rules read the database.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def redis_windows() -> "RedisWindows | None":
    """The Redis window store when the cache is Redis and the setting allows it, else None."""
    if settings.SECURITY_WINDOW_BACKEND == "database":
        return None
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        return None
    from django_redis import get_redis_connection  # noqa: PLC0415 - only importable with django-redis set up

    return RedisWindows(get_redis_connection("default"))


def window_key(*, rule_id: int, version: int, group: str, part: str = "") -> str:
    # the group value (a username, an address) is hashed: keys are listed in monitoring tools
    digest = hashlib.sha256(group.encode()).hexdigest()[:32]
    return cache.make_key(f"security:window:{rule_id}:v{version}:{part}:{digest}")


class RedisWindows:
    def __init__(self, connection) -> None:
        self.connection = connection

    def add_and_count(self, *, key: str, member: str, at: float, window_seconds: int) -> int:
        """Add `member` at time `at`, drop members older than the window, and count those left."""
        pipeline = self.connection.pipeline(transaction=True)
        # GT adds a new member and moves an existing one (a distinct value) only to a later sighting
        pipeline.zadd(key, {member: at}, gt=True)
        pipeline.zremrangebyscore(key, "-inf", f"({at - window_seconds}")
        pipeline.zcount(key, at - window_seconds, "+inf")
        pipeline.expire(key, window_seconds + 60)
        return int(pipeline.execute()[2])

    def members_between(self, *, key: str, start: float, end: float) -> list[str]:
        return [member.decode() for member in self.connection.zrangebyscore(key, start, end)]
