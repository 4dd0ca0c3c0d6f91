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

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_event, audit_record_many
from apps.betting.choices import GameStatus, LegResult, Market, SettlementSource
from apps.betting.grading import grade_leg, grade_leg_row
from apps.betting.models import Bet, BetLeg, Game
from apps.betting.services import invalidation
from apps.betting.services.grading_pass import GradingTables, PassResult, grade_pass
from apps.betting.signals import bet_settled, bets_graded
from apps.core.actors import Actor


@dataclass(frozen=True)
class GradingOutcome:
    legs_graded: int
    bets_settled: int
    bets_flagged: int


def _leg_grader(games: dict[int, Game]):
    """The result of a pending leg on one of `games`: void on a cancelled game, else from the score."""

    def grade(game_id: int, market: str, selection: str, line: Decimal | None) -> str | None:
        game = games[game_id]
        if game.status == GameStatus.CANCELLED:
            return LegResult.VOID
        return grade_leg(
            market=market, selection=selection, line=line, home_score=game.home_score, away_score=game.away_score
        )

    return grade


def _contradicted_manual_grades(games: dict[int, Game]) -> dict[int, dict[int, str]]:
    """{game id: {bet id: note}} for the manual grades on these games that the final score contradicts."""
    contradicted: dict[int, dict[int, str]] = {game_id: {} for game_id in games}
    finals = [game_id for game_id, game in games.items() if game.status == GameStatus.FINAL]
    if not finals:
        return contradicted
    legs = (
        BetLeg.objects.filter(game_id__in=finals, graded_source__in=[SettlementSource.API, SettlementSource.STAFF])
        .exclude(market=Market.PROP)
        .exclude(result=LegResult.VOID)
        .order_by("game_id", "bet", "position")
        .values("game_id", "bet_id", "id", "market", "selection", "line", "result")
    )
    for leg in legs:
        game = games[leg["game_id"]]
        expected = grade_leg_row(leg, home_score=game.home_score, away_score=game.away_score)
        if expected is not None and expected != leg["result"]:
            contradicted[game.pk][leg["bet_id"]] = (
                f"Leg {leg['id']} was settled {leg['result']} by hand, but the final score "
                f"{game.home_score}-{game.away_score} of game {game.external_id} grades it {expected}."
            )
    return contradicted


def _flag(contradicted: dict[int, dict[int, str]], now) -> dict[int, set[int]]:
    """Flag the bets for review (the first note stands), never change them; {game id: bet ids}."""
    for notes in contradicted.values():
        for bet_id, note in notes.items():
            Bet.objects.filter(pk=bet_id, needs_review=False).update(
                needs_review=True, review_note=note, updated_at=now
            )
    return {game_id: set(notes) for game_id, notes in contradicted.items()}


def flag_contradicted_manual_settlements(game: Game, now) -> set[int]:
    """Manual grades on this game that the final score contradicts: flag the bet, never change it."""
    return _flag(_contradicted_manual_grades({game.pk: game}), now)[game.pk]


@transaction.atomic
def game_grade(*, game_id: int, actor: Actor) -> GradingOutcome:
    """Grade every pending gradeable leg of a final (or cancelled) game and settle bets left with none pending."""
    return games_grade(game_ids=[game_id], actor=actor)


@transaction.atomic
def games_grade(*, game_ids: Sequence[int], actor: Actor) -> GradingOutcome:
    """Grade the pending legs of many final (or cancelled) games in one pass, as `game_grade` grades one.

    Same legs, bets, ledger entries and audit (one `betting.game_graded` event per game that changed)
    as grading the games one by one: a bet with legs on several of them settles once, when its last
    pending leg is graded. Games neither final nor cancelled are skipped. Set-based
    (services/grading_pass.py): a season of games is a few dozen statements.
    """
    games = {
        game.pk: game
        for game in Game.objects.select_for_update(of=("self",))
        .select_related("home_team", "away_team")  # the audit events name the game
        .filter(pk__in=sorted(set(game_ids)), status__in=(GameStatus.FINAL, GameStatus.CANCELLED))
        .order_by("pk")
    }
    if not games:
        return GradingOutcome(0, 0, 0)
    now = timezone.now()
    with GradingTables():
        graded = grade_pass(
            games={game_id: game.status == GameStatus.CANCELLED for game_id, game in games.items()},
            grade=_leg_grader(games),
            now=now,
        )
    flagged_by_game = _flag(_contradicted_manual_grades(games), now)
    flagged = set().union(*flagged_by_game.values())
    settled_tenants = {tenant_id for tenant_id, _ in graded.settled.values()}
    changed_tenants = graded.partly_graded_tenants | set(
        Bet.objects.filter(pk__in=flagged).order_by().values_list("tenant_id", flat=True).distinct()
    )  # without the model ordering, DISTINCT is over tenant ids alone
    invalidation.bets_settled(tenant_ids=settled_tenants)
    for tenant_id in sorted(changed_tenants - settled_tenants):
        invalidation.bets_changed(tenant_id=tenant_id)
    _audit_games(games=games, graded=graded, flagged=flagged_by_game, actor=actor)
    if graded.settled:
        bets_graded.send(
            sender=Bet, bet_tenants={bet_id: tenant_id for bet_id, (tenant_id, _) in graded.settled.items()}
        )
    for bet_id, (tenant_id, _) in sorted(graded.settled.items()):
        bet_settled.send(
            sender=Bet, bet_id=bet_id, tenant_id=tenant_id, source=SettlementSource.AUTO, graded_in_pass=True
        )
    return GradingOutcome(
        legs_graded=sum(graded.legs_by_game.values()), bets_settled=len(graded.settled), bets_flagged=len(flagged)
    )


def _audit_games(*, games: dict[int, Game], graded: PassResult, flagged: dict[int, set[int]], actor: Actor) -> None:
    """One `betting.game_graded` event per game that graded a leg or flagged a bet, in one INSERT.

    A bet settles on the game that graded its last pending leg; when one pass grades several legs of a
    parlay, it is listed under the highest of those game ids (one by one, that game would be the last).
    """
    settled_by_game: dict[int, list[int]] = defaultdict(list)
    for bet_id, (_, game_id) in sorted(graded.settled.items()):
        settled_by_game[game_id].append(bet_id)
    events = [
        audit_event(
            actor=actor,
            action="betting.game_graded",
            target=game,
            changes={
                "legs_graded": {"before": 0, "after": graded.legs_by_game.get(game_id, 0)},
                "settled_bet_ids": {"before": [], "after": settled_by_game[game_id]},
            },
        )
        for game_id, game in games.items()
        if graded.legs_by_game.get(game_id) or flagged[game_id]
    ]
    audit_record_many(events)
