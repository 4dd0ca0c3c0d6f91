"""Keeping the rollups (models/rollups.py) equal to what the raw rows say, incrementally.

Design. Bulk imports and auto-grading passes (batches: every bet pays one) add their delta to the rollup
cells in their own transaction, one statement per batch (rollup_deltas.py). Every other change (a single
placement, a settlement by hand, a void, a correction, a final or moved game) does not update rollup rows
itself: the analytics receivers of the betting signals (receivers.py) queue the bets it touched
(`rollups_mark_dirty`: one INSERT, in the change's transaction, so a rolled-back change queues nothing) and
enqueue a refresh through the outbox when the queue was empty (otherwise one was asked for already); beat
also refreshes every ANALYTICS_REFRESH_SECONDS. So does a delta that could not be applied. A refresh
(`rollups_refresh`) takes a batch of queued bets (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL: concurrent
refreshes take different rows), maps them to the (tenant, local day) they were placed on, and recomputes
those tenant-days from the raw rows: delete their daily, tenant-day and (recent days) hourly rows, insert
them again with the raw definition's own expressions (rollup_rows.py, rollup_days.py). The
recomputation is the definition, so a refresh is idempotent and order-free: a correction, a void or a
corrected score re-queues its bet and the day is simply computed again (whatever deltas came before).
Taking the queue rows before reading the raw rows makes it race-free: every change the rows announce
committed before they were read; a change committing meanwhile has its own queue row, left for the next
refresh.

Why only those changes as deltas: a delta must know the bet's old contribution. A new bet had none, and a
bet an auto-grading pass settles was open (pending, no settlement); a correction or a void would have to
know the old ledger parts and state of each bet, and recomputing their day is cheap for the few there are.
A single placement could be a delta (`rollups_add_placed`) but its own statement cost as much CPU as its
share of a refresh that recomputes the day once for a burst of placements (bench-analytics (c)).

Per tenant, a refresh holds the tenant's `RollupState` row (locked, in tenant id order), so two
refreshes never write the same tenant-day at once. A tenant never built (new, or rollups introduced
over existing bets) or whose time zone changed is rebuilt whole instead. A tenant whose refresh fails
is rolled back alone (a savepoint), marked stale with the error, and its queued bets stay queued for
the retry; queries fall back to the raw rows meanwhile (sources/bets_rollup.py).
"""

import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.analytics.models import DailyRollup, HourlyRollup, RollupDirtyBet, RollupState
from apps.analytics.services.rollup_days import (
    Progress,
    lock_states,
    rebuild_rows,
    recompute_days,
    record_built,
)
from apps.analytics.services.rollup_rows import SUMMARIES
from apps.analytics.signals import rollups_refreshed
from apps.audit.services import audit_record
from apps.betting.models import Bet
from apps.core.actors import Actor
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

MAINTENANCE_ACTOR = Actor.system("analytics rollups")
_marking_suspended: ContextVar[bool] = ContextVar("analytics_rollup_marking_suspended", default=False)


@contextmanager
def rollups_marking_suspended() -> Iterator[None]:
    """Within the block, changes queue nothing: for bulk loads that rebuild the rollups afterwards
    (seed_demo), where queueing a million bets one grading pass at a time is work thrown away."""
    token = _marking_suspended.set(True)
    try:
        yield
    finally:
        _marking_suspended.reset(token)


def rollups_marking_is_suspended() -> bool:
    return _marking_suspended.get()


def rollups_mark_dirty(*, bets: Iterable[tuple[int, int]]) -> bool:
    """Queue (bet id, tenant id) pairs for the next refresh, in the caller's transaction. True when the
    caller should ask for a refresh: the queue was empty before these rows (as this transaction sees it).
    Rows already waiting mean a refresh was asked for when the first of them was queued, and it takes
    every row committed before it runs; a refresh goes on until the queue is empty (`rollups_refresh`), so
    a row queued while it ran is taken too. The rare row that commits after a refresh's last look waits
    for beat's refresh (ANALYTICS_REFRESH_SECONDS). A burst of changes asks for one refresh, not one each.

    Cheap on purpose: every change that is not a delta pays it (and a delta that falls back). One statement,
    one round trip, no SELECT first: on PostgreSQL the INSERT and the look at the queue travel together (a
    batch of 10,000 bets is one INSERT … SELECT unnest of two arrays). The queue is a plain append-only
    table, not a unique set with ON CONFLICT: a bet queued twice (placed, then settled before a refresh)
    is two rows the refresh reads as one bet, and a refresh that holds a row never makes a change wait.
    """
    if _marking_suspended.get():
        return False
    pairs = list(bets)
    if not pairs:
        return False
    now = timezone.now()
    if connection.vendor != "postgresql":
        empty = not RollupDirtyBet.objects.exists()
        RollupDirtyBet.objects.bulk_create(
            [RollupDirtyBet(bet_id=bet_id, tenant_id=tenant_id, marked_at=now) for bet_id, tenant_id in pairs],
            batch_size=500,
        )
        return empty
    with connection.cursor() as cursor:
        if len(pairs) == 1:
            cursor.execute(_MARK_ONE_SQL, [*pairs[0], now])
        else:
            cursor.execute(_MARK_MANY_SQL, [now, [bet for bet, _ in pairs], [tenant for _, tenant in pairs]])
        return cursor.fetchone()[0]


_QUEUE = RollupDirtyBet._meta.db_table
# the CTE's INSERT is not visible to the statement's own SELECT: NOT EXISTS looks at the queue before it
_MARK_ONE_SQL = (
    f'WITH queued AS (INSERT INTO "{_QUEUE}" (bet_id, tenant_id, marked_at) VALUES (%s, %s, %s)) '  # noqa: S608
    f'SELECT NOT EXISTS (SELECT 1 FROM "{_QUEUE}")'
)
_MARK_MANY_SQL = (
    f'WITH queued AS (INSERT INTO "{_QUEUE}" (bet_id, tenant_id, marked_at) '  # noqa: S608
    "SELECT bet_id, tenant_id, %s FROM unnest(%s::bigint[], %s::bigint[]) AS bets(bet_id, tenant_id)) "
    f'SELECT NOT EXISTS (SELECT 1 FROM "{_QUEUE}")'
)


# ---- refreshing from the queue ---------------------------------------------------------------------


@dataclass
class RefreshOutcome:
    bets: int = 0  # queued bets taken
    tenant_days: int = 0  # (tenant, local day) pairs recomputed
    rebuilt: list[int] = field(default_factory=list)  # tenant ids rebuilt whole (never built, zone changed)
    failed: dict[int, str] = field(default_factory=dict)  # tenant id -> the error that left it stale


def rollups_refresh(*, limit: int | None = None, max_batches: int = 20) -> RefreshOutcome:
    """Recompute the tenant-days of queued bets, batch after batch until the queue is empty (or
    `max_batches`); a tenant that fails is marked stale and skipped for the rest of this call.

    It looks again after a batch however small: bets queued while it ran found the queue not empty and
    asked for no refresh of their own (`rollups_mark_dirty`), so this one takes them."""
    limit = limit or settings.ANALYTICS_REFRESH_BATCH
    outcome = RefreshOutcome()
    for _ in range(max_batches):
        try:
            taken = _refresh_batch(limit=limit, skip=set(outcome.failed), outcome=outcome)
        except Exception as error:  # noqa: BLE001 - recorded as the stale reason, retried by the caller
            logger.exception("analytics: rollup refresh failed")
            queued = set(RollupDirtyBet.objects.order_by().values_list("tenant_id", flat=True).distinct())
            tenant_ids = queued - set(outcome.failed)
            reason = _reason(error)
            rollups_mark_stale(tenant_ids=tenant_ids, reason=reason)
            outcome.failed.update(dict.fromkeys(tenant_ids, reason))
            break
        if not taken:
            break
    return outcome


def _refresh_batch(*, limit: int, skip: set[int], outcome: RefreshOutcome) -> int:
    with transaction.atomic():
        queued = list(
            RollupDirtyBet.objects.select_for_update(skip_locked=True)
            .exclude(tenant_id__in=skip)
            .order_by("id")
            .values_list("id", "bet_id", "tenant_id")[:limit]
        )
        if not queued:
            return 0
        placed = _placement_times({bet_id for _, bet_id, _ in queued})
        days_by_tenant: dict[int, set] = defaultdict(set)
        rows_by_tenant: dict[int, list[int]] = defaultdict(list)
        for row_id, bet_id, tenant_id in queued:
            rows_by_tenant[tenant_id].append(row_id)
            if bet_id in placed:
                days_by_tenant[tenant_id].add(placed[bet_id])
        states = lock_states(set(rows_by_tenant))
        tenants = list(Tenant.objects.filter(pk__in=rows_by_tenant).order_by("pk"))
        gone = set(rows_by_tenant) - {tenant.pk for tenant in tenants}
        done: list[int] = sorted(gone)  # rows of a tenant that no longer exists: nothing to recompute
        for tenant in tenants:
            try:
                with transaction.atomic():  # a savepoint: a failing tenant does not take the others down
                    if _needs_rebuild(states[tenant.pk], tenant):
                        rebuild_rows(tenant=tenant, progress=None)
                        record_built(tenant)
                        outcome.rebuilt.append(tenant.pk)
                    else:
                        zone = zoneinfo.ZoneInfo(tenant.timezone)
                        days = {instant.astimezone(zone).date() for instant in days_by_tenant[tenant.pk]}
                        recompute_days(tenant_id=tenant.pk, zone=zone, days=days)
                        outcome.tenant_days += len(days)
            except Exception as error:  # noqa: BLE001 - the tenant is marked stale below, its rows stay queued
                logger.exception("analytics: rollup refresh of tenant %s failed", tenant.pk)
                outcome.failed[tenant.pk] = _reason(error)
                continue
            done.append(tenant.pk)
        finished_rows = [row_id for tenant_id in done for row_id in rows_by_tenant[tenant_id]]
        _delete_queued(finished_rows)
        RollupState.objects.filter(tenant_id__in=done).update(
            refreshed_at=timezone.now(), is_stale=False, stale_reason="", stale_since=None
        )
        for tenant_id in sorted(set(rows_by_tenant) & set(outcome.failed)):
            rollups_mark_stale(tenant_ids=[tenant_id], reason=outcome.failed[tenant_id])
        outcome.bets += len(finished_rows)
        if done:
            transaction.on_commit(lambda: rollups_refreshed.send(sender=RollupState, tenant_ids=sorted(done)))
        return len(queued)


def _placement_times(bet_ids: set[int]) -> dict[int, datetime]:
    """When each bet was placed. On PostgreSQL the ids travel as one array (a grading pass queues
    thousands: a literal IN list of them took longer to plan than the recomputation took to run)."""
    ids = sorted(bet_ids)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, placed_at FROM {_table(Bet)} WHERE id = ANY(%s)", [ids])  # noqa: S608
            return dict(cursor.fetchall())
    placed: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):
        placed.update(Bet.objects.filter(pk__in=ids[start : start + 500]).values_list("pk", "placed_at"))
    return placed


def _delete_queued(row_ids: list[int]) -> None:
    """Delete the queue rows a refresh took (by id: rows queued meanwhile stay)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_table(RollupDirtyBet)} WHERE id = ANY(%s)", [row_ids])  # noqa: S608
        return
    for start in range(0, len(row_ids), 500):
        RollupDirtyBet.objects.filter(pk__in=row_ids[start : start + 500]).delete()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _needs_rebuild(state: RollupState, tenant: Tenant) -> bool:
    return state.built_at is None or state.timezone_name != tenant.timezone


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


# ---- rebuilding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildOutcome:
    tenant_id: int
    daily_rows: int
    hourly_rows: int
    seconds: float


def rollups_rebuild(*, tenant: Tenant, actor: Actor, progress: Progress | None = None) -> RebuildOutcome:
    """Recompute all of a tenant's rollups from the raw rows, in one transaction (readers see the old rows
    until it commits); clears the tenant's stale mark and its queue."""
    started = timezone.now()
    with transaction.atomic():
        # the queue first, then the state lock: a refresh holding some of these rows finishes first
        RollupDirtyBet.objects.filter(tenant_id=tenant.pk).delete()
        state = lock_states({tenant.pk})[tenant.pk]
        was_stale = state.is_stale
        daily = rebuild_rows(tenant=tenant, progress=progress)
        record_built(tenant)
        hourly = HourlyRollup.objects.filter(tenant_id=tenant.pk).count()
        audit_record(
            actor=actor,
            action="analytics.rollups_rebuilt",
            target=tenant,
            guild_id=tenant.guild_id,
            changes={
                "daily_rows": {"before": None, "after": daily},
                "hourly_rows": {"before": None, "after": hourly},
                "is_stale": {"before": was_stale, "after": False},
            },
        )
        transaction.on_commit(lambda: rollups_refreshed.send(sender=RollupState, tenant_ids=[tenant.pk]))
    return RebuildOutcome(tenant.pk, daily, hourly, (timezone.now() - started).total_seconds())


def rollups_analyze() -> None:
    """Fresh planner statistics for the rollup tables after a rebuild (PostgreSQL): estimates left from an
    empty table planned a month of a tenant's rows as a dozen and sorted them on disk."""
    if connection.vendor == "postgresql":
        models = (DailyRollup, HourlyRollup, *SUMMARIES, RollupState)
        tables = [model._meta.db_table for model in models]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


def rollups_mark_stale(*, tenant_ids: Iterable[int], reason: str) -> int:
    """Mark the tenants' rollups stale with the error that made them so (queries read the raw rows until a
    refresh or a rebuild succeeds); one audit event per tenant newly stale."""
    tenant_ids = sorted(set(tenant_ids))
    if not tenant_ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        states = lock_states(set(tenant_ids))
        newly = [tenant_id for tenant_id, state in states.items() if not state.is_stale]
        RollupState.objects.filter(tenant_id__in=states).update(is_stale=True, stale_reason=reason[:500] or "failed")
        RollupState.objects.filter(tenant_id__in=newly).update(stale_since=now)
        guilds = dict(Tenant.objects.filter(pk__in=newly).values_list("pk", "guild_id"))
        for tenant_id in newly:
            audit_record(
                actor=MAINTENANCE_ACTOR,
                action="analytics.rollups_stale",
                guild_id=guilds.get(tenant_id, ""),
                changes={"is_stale": {"before": False, "after": True}},
                reason=reason[:500],
            )
    return len(newly)


# ---- what beat runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceOutcome:
    rebuilt: list[int]
    refresh: RefreshOutcome
    hourly_pruned: int


def rollups_maintain() -> MaintenanceOutcome:
    """Beat's pass: rebuild the tenants that need it (never built, zone changed; a few per pass), refresh
    the queue, and drop hourly rows past the kept days."""
    rebuilt = []
    pending = Tenant.objects.filter(
        Q(rollup_state__isnull=True)
        | Q(rollup_state__built_at__isnull=True)
        | ~Q(rollup_state__timezone_name=F("timezone"))
    ).order_by("pk")[: settings.ANALYTICS_REBUILDS_PER_RUN]
    for tenant in pending:
        rollups_rebuild(tenant=tenant, actor=MAINTENANCE_ACTOR)
        rebuilt.append(tenant.pk)
    refresh = rollups_refresh()
    cutoff = timezone.now() - timedelta(days=settings.ANALYTICS_HOURLY_DAYS + 2)
    pruned, _ = HourlyRollup.objects.filter(hour__lt=cutoff).delete()
    return MaintenanceOutcome(rebuilt=rebuilt, refresh=refresh, hourly_pruned=pruned)
