"""Reactions to the betting app's signals, in the change's transaction (a rolled-back change leaves the
rollups as they were).

Bulk imports and auto-grading passes add their delta to the rollup cells at once (services/rollup_deltas.py:
one statement for the batch). Every other change (a single placement too) queues the bets it touched
for the refresh that recomputes their days (one INSERT, no SELECT first) and, when the queue was empty,
enqueues the refresh through the outbox (`rollups_mark_dirty` says when); so do the bets a delta could
not be applied to.

Auto-grading's per-bet `bet_settled` (graded_in_pass) is skipped: its pass sends `bets_graded` once with
all of them.
"""

from django.dispatch import receiver

from apps.analytics.services.rollup_deltas import rollups_add_graded, rollups_add_placed
from apps.analytics.services.rollups import rollups_mark_dirty, rollups_marking_is_suspended
from apps.analytics.tasks import analytics_rollups_refresh_task
from apps.betting.choices import FINAL_BET_STATUSES, SettlementSource
from apps.betting.models import Bet
from apps.betting.signals import (
    bet_placed,
    bet_settled,
    bet_voided,
    bets_graded,
    bets_imported,
    game_finalized,
    game_updated,
)
from apps.core.enqueue import enqueue


def _queue(pairs) -> None:
    if rollups_mark_dirty(bets=pairs):
        enqueue(analytics_rollups_refresh_task)


def _add_or_queue(add, pairs) -> None:
    if rollups_marking_is_suspended():
        return
    left = add(bets=pairs)
    if left:
        _queue(left)


@receiver(bet_placed, dispatch_uid="analytics.rollups_bet_placed")
def queue_placed_bet(sender, bet_id: int, tenant_id: int, **kwargs) -> None:
    """Queued, not a delta: one placement's delta (a statement of its own, ~2 ms of CPU) cost more than its
    share of the refresh that recomputes its day once for a burst of placements (bench-analytics (c))."""
    _queue([(bet_id, tenant_id)])


@receiver(bets_imported, dispatch_uid="analytics.rollups_bets_imported")
def queue_imported_bets(sender, bet_ids: list[int], tenant_id: int, **kwargs) -> None:
    _add_or_queue(rollups_add_placed, [(bet_id, tenant_id) for bet_id in bet_ids])


@receiver(bet_settled, dispatch_uid="analytics.rollups_bet_settled")
def queue_settled_bet(sender, bet_id: int, tenant_id: int, graded_in_pass: bool = False, **kwargs) -> None:
    if graded_in_pass:
        return  # queued with the whole pass by `bets_graded`
    _queue([(bet_id, tenant_id)])


@receiver(bets_graded, dispatch_uid="analytics.rollups_bets_graded")
def queue_graded_bets(sender, bet_tenants: dict[int, int], **kwargs) -> None:
    _add_or_queue(rollups_add_graded, sorted(bet_tenants.items()))


@receiver(bet_voided, dispatch_uid="analytics.rollups_bet_voided")
def queue_voided_bet(sender, bet_id: int, tenant_id: int, **kwargs) -> None:
    _queue([(bet_id, tenant_id)])


@receiver(game_finalized, dispatch_uid="analytics.rollups_game_finalized")
def queue_bets_timed_by_game(sender, game_id: int, **kwargs) -> None:
    """A game's final time is part of the grading lag of the auto-graded bets already settled with a leg
    on it (a parlay settled on another game, this leg graded by hand before): those bets change."""
    settled = Bet.objects.filter(
        legs__game_id=game_id, settlement_source=SettlementSource.AUTO, status__in=FINAL_BET_STATUSES
    )
    _queue(settled.order_by().values_list("pk", "tenant_id").distinct())


@receiver(game_updated, dispatch_uid="analytics.rollups_game_updated")
def queue_bets_of_moved_game(sender, game_id: int, changed: list[str], **kwargs) -> None:
    """A fixture moved to another league moves the bets whose first leg is on it."""
    if "league_id" not in changed:
        return
    moved = Bet.objects.filter(legs__game_id=game_id, legs__position=1)
    _queue(moved.order_by().values_list("pk", "tenant_id").distinct())
