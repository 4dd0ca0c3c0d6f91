"""Auto-grading final games: set-based, so a game with 10,000 pending legs (or a season of games, see
`games_grade`) settles in one pass; the ledger entries are written by services/ledger.py.

Concurrency: the game rows are locked first, in id order (two graders of one game queue there and the
second finds nothing pending), then the affected bets in id order (an API settle of the same bet either finished
before, and the grader skips the bet, or waits for the grader and then gets 409).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.betting.choices import (
    OPEN_BET_STATUSES,
    BetStatus,
    GameStatus,
    LegResult,
    Market,
    SettlementSource,
)
from apps.betting.grading import grade_leg_row
from apps.betting.models import Bet, BetLeg, Game
from apps.betting.odds import combined_result, net_units
from apps.betting.services import invalidation
from apps.betting.services.ledger import BULK_BATCH, settle_entries_append
from apps.betting.signals import bet_settled
from apps.core.actors import Actor


@dataclass(frozen=True)
class GradingOutcome:
    legs_graded: int
    bets_settled: int
    bets_flagged: int


def _leg_results(games: dict[int, Game], legs: list[dict]) -> dict[int, str]:
    results = {}
    for leg in legs:
        game = games[leg["game_id"]]
        if game.status == GameStatus.CANCELLED:
            results[leg["id"]] = LegResult.VOID
            continue
        result = grade_leg_row(leg, home_score=game.home_score, away_score=game.away_score)
        if result is not None:
            results[leg["id"]] = result
    return results


def flag_contradicted_manual_settlements(game: Game, now) -> set[int]:
    """Manual grades on this game that the final score contradicts: flag the bet, never change it."""
    if game.status != GameStatus.FINAL:
        return set()
    manual = BetLeg.objects.filter(game=game, graded_source__in=[SettlementSource.API, SettlementSource.STAFF])
    flagged = {}
    for leg in (
        manual.exclude(market=Market.PROP)
        .exclude(result=LegResult.VOID)
        .values("bet_id", "id", "market", "selection", "line", "result")
    ):
        expected = grade_leg_row(leg, home_score=game.home_score, away_score=game.away_score)
        if expected is not None and expected != leg["result"]:
            flagged[leg["bet_id"]] = (
                f"Leg {leg['id']} was settled {leg['result']} by hand, but the final score "
                f"{game.home_score}-{game.away_score} of game {game.external_id} grades it {expected}."
            )
    for bet_id, note in flagged.items():
        Bet.objects.filter(pk=bet_id, needs_review=False).update(needs_review=True, review_note=note, updated_at=now)
    return set(flagged)


@transaction.atomic
def game_grade(*, game_id: int, actor: Actor) -> GradingOutcome:
    """Grade every pending gradeable leg of a final (or cancelled) game and settle bets left with none pending."""
    return games_grade(game_ids=[game_id], actor=actor)


@transaction.atomic
def games_grade(*, game_ids: Sequence[int], actor: Actor) -> GradingOutcome:
    """Grade the pending legs of many final (or cancelled) games in one pass, as `game_grade` grades one.

    Same legs, bets, ledger entries and audit (one `betting.game_graded` event per game that changed)
    as grading the games one by one: a bet with legs on several of them settles once, when its last
    pending leg is graded. Games neither final nor cancelled are skipped.
    """
    games = {
        game.pk: game
        for game in Game.objects.select_for_update()
        .filter(pk__in=sorted(set(game_ids)), status__in=(GameStatus.FINAL, GameStatus.CANCELLED))
        .order_by("pk")
    }
    if not games:
        return GradingOutcome(0, 0, 0)
    now = timezone.now()
    bet_ids = sorted(
        set(BetLeg.objects.filter(game_id__in=games, result=LegResult.PENDING).values_list("bet_id", flat=True))
    )
    open_bet_ids = _lock_open_bets(bet_ids)
    # Read the legs again now that their bets are locked: a settlement this grader queued behind may
    # have graded one by hand, and that grade must stand (and be flagged below if the score disagrees).
    pending = list(
        BetLeg.objects.filter(game_id__in=games, result=LegResult.PENDING, bet_id__in=open_bet_ids).values(
            "id", "bet_id", "game_id", "market", "selection", "line"
        )
    )
    results = _leg_results(games, pending)
    by_result: dict[str, list[int]] = defaultdict(list)
    for leg_id, result in results.items():
        by_result[result].append(leg_id)
    for result, leg_ids in by_result.items():  # a handful of UPDATEs per batch, one per result
        for start in range(0, len(leg_ids), BULK_BATCH * 10):
            BetLeg.objects.filter(pk__in=leg_ids[start : start + BULK_BATCH * 10]).update(
                result=result, graded_at=now, graded_source=SettlementSource.AUTO
            )
    graded_bets = {leg["bet_id"] for leg in pending if leg["id"] in results}
    settled_tenants = _settle_complete_bets(bet_ids=graded_bets, now=now)
    settled = sorted(settled_tenants)
    partly_graded = graded_bets - set(settled)
    if partly_graded:  # parlays with legs still open: their legs changed, so must their ETags
        Bet.objects.filter(pk__in=partly_graded).update(updated_at=now)
    flagged_by_game = {game_id: flag_contradicted_manual_settlements(game, now) for game_id, game in games.items()}
    flagged = set().union(*flagged_by_game.values())
    _invalidate(settled_tenants=set(settled_tenants.values()), changed_bet_ids=partly_graded | flagged)
    _audit_games(
        games=games, pending=pending, results=results, settled=set(settled), flagged=flagged_by_game, actor=actor
    )
    for bet_id in settled:
        bet_settled.send(sender=Bet, bet_id=bet_id, tenant_id=settled_tenants[bet_id], source=SettlementSource.AUTO)
    return GradingOutcome(legs_graded=len(results), bets_settled=len(settled), bets_flagged=len(flagged))


def _lock_open_bets(bet_ids: list[int]) -> set[int]:
    locked: set[int] = set()
    for start in range(0, len(bet_ids), BULK_BATCH * 10):
        locked.update(
            Bet.objects.select_for_update()
            .filter(pk__in=bet_ids[start : start + BULK_BATCH * 10], status__in=OPEN_BET_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return locked


def _audit_games(*, games, pending, results, settled: set[int], flagged: dict[int, set[int]], actor: Actor) -> None:
    """One `betting.game_graded` event per game that graded a leg or flagged a bet.

    A bet settles on the game that graded its last pending leg; when one pass grades several legs of a
    parlay, it is listed under the highest of those game ids (one by one, that game would be the last).
    """
    legs_by_game: dict[int, int] = defaultdict(int)
    settled_on: dict[int, int] = {}
    for leg in pending:
        if leg["id"] in results:
            legs_by_game[leg["game_id"]] += 1
            if leg["bet_id"] in settled:
                settled_on[leg["bet_id"]] = max(settled_on.get(leg["bet_id"], 0), leg["game_id"])
    settled_by_game: dict[int, list[int]] = defaultdict(list)
    for bet_id, game_id in settled_on.items():
        settled_by_game[game_id].append(bet_id)
    for game_id, game in games.items():
        if legs_by_game[game_id] or flagged[game_id]:
            audit_record(
                actor=actor,
                action="betting.game_graded",
                target=game,
                changes={
                    "legs_graded": {"before": 0, "after": legs_by_game[game_id]},
                    "settled_bet_ids": {"before": [], "after": sorted(settled_by_game[game_id])},
                },
            )


def _invalidate(*, settled_tenants: set[int], changed_bet_ids: set[int]) -> None:
    invalidation.bets_settled(tenant_ids=settled_tenants)
    changed_tenants = set(
        Bet.objects.filter(pk__in=changed_bet_ids).order_by().values_list("tenant_id", flat=True).distinct()
    )  # without the model ordering, DISTINCT is over tenant ids alone
    for tenant_id in sorted(changed_tenants - settled_tenants):
        invalidation.bets_changed(tenant_id=tenant_id)


def _settle_complete_bets(*, bet_ids: set[int], now) -> dict[int, int]:
    """Settle the bets (already locked) that have no pending leg left; returns {bet id: tenant id}."""
    if not bet_ids:
        return {}
    legs_by_bet: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for bet_id, odds, result in BetLeg.objects.filter(bet_id__in=bet_ids).values_list("bet_id", "odds", "result"):
        legs_by_bet[bet_id].append((odds, result))
    complete = {bet_id for bet_id, legs in legs_by_bet.items() if all(r != LegResult.PENDING for _, r in legs)}
    if not complete:
        return {}
    rows = list(Bet.objects.filter(pk__in=complete).values_list("pk", "tenant_id", "stake_units"))
    settlements = []
    for bet_id, _, stake in rows:
        legs = legs_by_bet[bet_id]
        settlements.append(
            (bet_id, BetStatus(combined_result(result for _, result in legs)).value, net_units(stake, legs))
        )
    _write_settlements(settlements, now)
    settle_entries_append(bet_ids=[bet_id for bet_id, _, _ in settlements], now=now)
    return {bet_id: tenant_id for bet_id, tenant_id, _ in rows}


def _write_settlements(settlements: list[tuple[int, str, Decimal]], now) -> None:
    """One `UPDATE … FROM (VALUES …)` per batch of (bet id, status, net units).

    Not `bulk_update`: it builds a `CASE WHEN id = … THEN …` chain per column, which costs Python time
    per row and database time per row × batch (10,000 legs took seconds). PostgreSQL and SQLite (3.33+)
    both name a VALUES list's columns column1, column2, ….
    """
    table = connection.ops.quote_name(Bet._meta.db_table)
    for start in range(0, len(settlements), BULK_BATCH):
        batch = settlements[start : start + BULK_BATCH]
        values = ", ".join(["(%s, %s, %s)"] * len(batch))
        rows = [value for settlement in batch for value in settlement]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = v.column2, net_units = v.column3, settled_at = %s, "  # noqa: S608 - placeholders only
                f"settlement_source = %s, settled_by = %s, updated_at = %s "
                f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [now, SettlementSource.AUTO.value, "auto-grading", now, *rows],
            )
