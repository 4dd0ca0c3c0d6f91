"""What is particular to a webhook delivery (issue #15): isolation between endpoints, jittered back-off, the dead
letter, and the endpoint's failure count that disables it.

Isolation. A receiver that hangs holds a worker slot for the whole read timeout. So that one such endpoint
cannot take every slot, each endpoint has at most WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT deliveries in flight at
once, across every worker process: a semaphore in Redis (a sorted set of holders scored by their expiry, so
the slot of a worker killed mid-request frees itself). A delivery that finds its endpoint full (after a short
poll, for a busy healthy endpoint) does not wait: it is *parked* in the endpoint's Redis list without spending
an attempt, and its worker serves another endpoint; each released slot wakes one parked delivery, so a hanging
endpoint costs no task at all between its time-outs (a fallback timer, WEBHOOK_PARKED_FALLBACK_SECONDS, wakes
a delivery whose wake-up was lost). The outbound helper's per-upstream breaker in `http_post` adds the second
half: once the receiver has failed enough, calls fail at once without a network round trip. Without Redis (the embedded
configuration) there is no cap: tasks run in the request there anyway.
"""

import logging
import random
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from redis.exceptions import RedisError

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.notifications.choices import DeliveryStatus, EventKind, Severity
from apps.notifications.models import Delivery, WebhookEndpoint

logger = logging.getLogger(__name__)

IN_FLIGHT_KEY = "{prefix}:webhooks:in-flight:{endpoint_id}"
PARKED_KEY = "{prefix}:webhooks:parked:{endpoint_id}"
# acquire: drop expired holders, then join if there is room ({1}); the key expires with its last holder.
# Full: {0, the youngest holder's expiry, how many deliveries are parked}: the caller sees how long every holder
# has been waiting, and whether others already queue for a slot (then it parks at once, behind them).
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(ARGV[2])))
  return {1}
end
local youngest = redis.call('ZREVRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, youngest[2], redis.call('LLEN', KEYS[2])}
"""


def _redis():
    """The cache's Redis client, or None where the cache is not Redis (embedded configuration)."""
    try:
        from django_redis import get_redis_connection  # noqa: PLC0415 - only the full configuration has it

        return get_redis_connection("default")
    except (ImportError, NotImplementedError):
        return None


class InFlightSlot:
    """One of the endpoint's in-flight slots, held for one HTTP attempt (`with` releases it)."""

    def __init__(self, endpoint_id: int) -> None:
        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        self.key = IN_FLIGHT_KEY.format(prefix=prefix, endpoint_id=endpoint_id)
        self.parked_key = PARKED_KEY.format(prefix=prefix, endpoint_id=endpoint_id)
        self.token = uuid.uuid4().hex
        self.client = None

    @staticmethod
    def hold_ms() -> int:
        """How long one request may hold a slot (its connect and read time-outs, and a margin): past that the
        slot frees itself (a worker killed mid-request)."""
        return (settings.NOTIFICATIONS_HTTP_CONNECT_TIMEOUT + settings.NOTIFICATIONS_HTTP_READ_TIMEOUT + 5) * 1000

    def acquire(self, *, patient: bool = False) -> bool:
        """True when a slot is taken (or there is no Redis to count in); False when the endpoint is full and slow.

        A busy healthy endpoint frees a slot within milliseconds: the delivery polls for one up to
        WEBHOOK_SLOT_WAIT_MS. When even the youngest request in flight has been waiting longer than that (the
        receiver is slow or hanging), or other deliveries are parked already: False at once, and the delivery is
        parked (behind them) instead of holding a worker.

        `patient` (a delivery of a batch, whose worker has more of this endpoint's deliveries to send): while the
        endpoint is healthy (its youngest request younger than WEBHOOK_SLOT_WAIT_MS) it polls up to
        WEBHOOK_BATCH_SLOT_WAIT_MS, whether or not others are parked (each release still wakes one of them): a
        busy endpoint whose worker threads outnumber its slots, on a loaded machine, must not park a batch after
        50 ms, since a parked delivery costs three tasks more. A slow endpoint parks it at once as above."""
        client = _redis()
        if client is None:
            return True
        hold_ms = self.hold_ms()
        wait_ms = settings.WEBHOOK_BATCH_SLOT_WAIT_MS if patient else settings.WEBHOOK_SLOT_WAIT_MS
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            now_ms = time.time() * 1000
            try:
                answer = client.eval(
                    _ACQUIRE, 2, self.key, self.parked_key, now_ms, now_ms + hold_ms,
                    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT, self.token,
                )  # fmt: skip
            except RedisError:
                logger.warning("webhooks: in-flight cap of %s not checked (Redis unavailable); sending", self.key)
                return True
            if int(answer[0]):
                self.client = client
                return True
            youngest_age_ms = now_ms - (float(answer[1]) - hold_ms)
            queued = int(answer[2]) and not patient
            if queued or youngest_age_ms > settings.WEBHOOK_SLOT_WAIT_MS or time.monotonic() >= deadline:
                return False
            time.sleep(0.01 if patient else 0.005)

    def park(self, delivery_id: int) -> None:
        """Wait for a free slot of this endpoint: the next release wakes it (best effort: the caller's fallback
        timer wakes it otherwise)."""
        client = _redis()
        if client is None:
            return
        try:
            client.pipeline().rpush(self.parked_key, delivery_id).expire(self.parked_key, 86_400).execute()
        except RedisError:
            logger.warning(
                "webhooks: delivery %s not parked (Redis unavailable); its fallback timer sends it", delivery_id
            )

    def next_parked(self) -> int | None:
        """The next parked delivery (after one a release woke that needed no waking: sent meanwhile)."""
        client = _redis()
        try:
            woken = client.lpop(self.parked_key) if client is not None else None
        except RedisError:
            return None
        return int(woken) if woken is not None else None

    def release(self) -> int | None:
        """Free the slot; returns the parked delivery it wakes (None when none waits)."""
        if self.client is None:
            return None
        client, self.client = self.client, None
        try:
            _, woken = client.pipeline().zrem(self.key, self.token).lpop(self.parked_key).execute()
        except RedisError:
            logger.warning("webhooks: slot of %s not released; it expires by itself", self.key)
            return None
        return int(woken) if woken is not None else None


def parked_fallback_delay() -> timedelta:
    """When a parked delivery is sent anyway if no released slot woke it: the setting, jittered by +-50 %."""
    base = settings.WEBHOOK_PARKED_FALLBACK_SECONDS
    return timedelta(seconds=base * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not a secret


def webhook_retry_delay(attempts: int) -> timedelta:
    """Exponential back-off with equal jitter after the n-th failed attempt: a delay drawn between half and all
    of min(WEBHOOK_RETRY_MAX_SECONDS, WEBHOOK_RETRY_BASE_SECONDS x 2^(n-1))."""
    ceiling = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not a secret


def webhook_delivered(delivery: Delivery) -> None:
    """A delivered copy ends the endpoint's run of failures (an UPDATE only when there was one)."""
    if delivery.webhook is not None and delivery.webhook.consecutive_failures:
        WebhookEndpoint.objects.filter(pk=delivery.webhook_id).update(consecutive_failures=0)
        delivery.webhook.consecutive_failures = 0  # a batch's next delivery shares this object: no second UPDATE


def webhook_failed(delivery: Delivery, *, error: str, now: datetime) -> bool:
    """After a failed attempt: retry later (True: the caller schedules it at `next_attempt_at`), or, after the
    last attempt, make it a dead letter and count it against its endpoint, which is disabled at
    WEBHOOK_DISABLE_AFTER dead letters in a row (ops and the tenant told). A replayed delivery gets one attempt."""
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS and not delivery.replays:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = now + webhook_retry_delay(delivery.attempts)
        return True
    delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD_LETTER, None
    logger.warning("webhook delivery %s dead-lettered after %d attempts", delivery.pk, delivery.attempts)
    if delivery.webhook_id is not None:
        WebhookEndpoint.objects.filter(pk=delivery.webhook_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        _disable_if_failing(delivery.webhook_id, last_error=error, now=now)
    return False


def _disable_if_failing(endpoint_id: int, *, last_error: str, now: datetime) -> None:
    endpoint = WebhookEndpoint.objects.select_related("tenant").filter(pk=endpoint_id).first()
    limit = settings.WEBHOOK_DISABLE_AFTER
    if endpoint is None or not endpoint.is_active or endpoint.consecutive_failures < limit:
        return
    reason = f"{endpoint.consecutive_failures} deliveries in a row failed every attempt (last error: {last_error})"
    changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300]
    )
    if not changed:
        return  # a concurrent dead letter disabled it first and told
    _tell_disabled(endpoint, reason=reason[:300], now=now)


def _tell_disabled(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    """Ops (DEFAULT_ROLES of the kind) by e-mail and inbox, and the tenant's own Discord channel (guild_id)."""
    from apps.notifications.services.sending import Recipients, notification_send  # noqa: PLC0415 - it imports us

    guild_id = endpoint.tenant.guild_id if endpoint.tenant_id else ""
    audit_record(
        actor=Actor.system("webhooks"),
        action="notifications.webhook_disabled",
        target=endpoint,
        guild_id=guild_id,
        reason=reason,
    )
    notification_send(
        kind=EventKind.WEBHOOK_DISABLED,
        key=f"webhook-disabled:{endpoint.pk}:{now:%Y%m%dT%H%M%S}",
        context={
            "endpoint_id": endpoint.pk,
            "endpoint_name": endpoint.name,
            "url": endpoint.url,
            "guild_id": guild_id,
            "reason": reason,
        },
        recipients=Recipients(),
        severity=Severity.WARNING,
        guild_id=guild_id,
        now=now,
    )
