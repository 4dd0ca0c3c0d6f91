"""Staff correction of a final game's score: the only way a final score changes (the feed gets a 409).

One transaction: the game row is locked first (as auto-grading does, so a grader of the same game
queues behind), the new score is written with an audit event carrying the reason, then every leg on
the game that was graded from the old score is graded again from the new one:
- a leg of a settled bet whose result changes goes through `bet_correct` (source auto): the bet's
  ledger entry is reversed and the new settlement appended, with its own audit event;
- a leg of a bet still open (a parlay with other legs pending) is simply graded again;
- legs graded by hand (API or staff) are never changed: when the new score contradicts one, its bet
  is flagged for review, the same rule as auto-grading;
- a bet voided or cancelled as a whole stays so (someone decided that on purpose).
Legs still pending are left to auto-grading, which reads the corrected score.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.betting.choices import OPEN_BET_STATUSES, BetStatus, GameStatus, LegResult, SettlementSource
from apps.betting.grading import grade_leg_row
from apps.betting.models import Bet, BetLeg, Game
from apps.betting.services import invalidation
from apps.betting.services.auto_grading import flag_contradicted_manual_settlements
from apps.betting.services.settlement import bet_correct
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError


@dataclass(frozen=True)
class ScoreCorrection:
    game: Game
    legs_regraded: int
    bets_corrected: int
    bets_flagged: int


@transaction.atomic
def game_correct_score(*, game: Game, actor: Actor, home_score: int, away_score: int, reason: str) -> ScoreCorrection:
    """Correct a final game's score with a reason; re-grade what the old score graded (module docstring)."""
    if not reason.strip():
        raise ApplicationError(
            _("A reason is required to correct a final score."),
            code="reason_required",
            fields={"reason": [_("Required.")]},
        )
    if min(home_score, away_score) < 0:
        raise ApplicationError(_("Scores cannot be negative."), fields={"home_score": [_("Must be 0 or more.")]})
    game = Game.objects.select_for_update().get(pk=game.pk)
    if game.status != GameStatus.FINAL:
        raise ConflictError(
            _(
                "Game %(external_id)s is %(status)s: only a final game's score can be corrected; post its result "
                "instead."
            )
            % {"external_id": game.external_id, "status": game.status},
            code="game_not_final",
        )
    if (game.home_score, game.away_score) == (home_score, away_score):
        raise ApplicationError(
            _("Game %(external_id)s already has the score %(home_score)s-%(away_score)s: nothing to correct.")
            % {"external_id": game.external_id, "home_score": home_score, "away_score": away_score},
            code="score_unchanged",
        )
    before = {"home_score": game.home_score, "away_score": game.away_score}
    game.home_score, game.away_score = home_score, away_score
    game.save(update_fields=["home_score", "away_score", "updated_at"])
    invalidation.games_changed()
    audit_record(
        actor=actor,
        action="betting.game_score_corrected",
        target=game,
        changes=field_changes(before, {"home_score": home_score, "away_score": away_score}),
        reason=reason,
    )
    regraded, corrected = _regrade_auto_legs(game=game, actor=actor, reason=reason)
    flagged = flag_contradicted_manual_settlements(game, timezone.now())
    if flagged:
        for tenant_id in sorted(set(Bet.objects.filter(pk__in=flagged).values_list("tenant_id", flat=True))):
            invalidation.bets_changed(tenant_id=tenant_id)
    return ScoreCorrection(game=game, legs_regraded=regraded, bets_corrected=corrected, bets_flagged=len(flagged))


def _regrade_auto_legs(*, game: Game, actor: Actor, reason: str) -> tuple[int, int]:
    """Grade again the legs graded from the old score; returns (legs regraded, settled bets corrected)."""
    legs = list(
        BetLeg.objects.filter(game=game, graded_source=SettlementSource.AUTO)
        .exclude(result=LegResult.PENDING)
        .values("id", "bet_id", "market", "selection", "line", "result")
    )
    changes: dict[int, dict[int, str]] = {}
    for leg in legs:
        result = grade_leg_row(leg, home_score=game.home_score, away_score=game.away_score)
        if result is not None and result != leg["result"]:
            changes.setdefault(leg["bet_id"], {})[leg["id"]] = result
    # lock the bets in id order, as auto-grading does, so the two never wait on each other in a cycle
    bets = Bet.objects.select_for_update(of=("self",)).select_related("tenant").filter(pk__in=changes).order_by("pk")
    regraded = corrected = 0
    now = timezone.now()
    for bet in bets:
        leg_results = changes[bet.pk]
        if bet.status in (BetStatus.VOID, BetStatus.CANCELLED):
            continue
        if bet.status in OPEN_BET_STATUSES:
            for leg_id, result in leg_results.items():
                BetLeg.objects.filter(pk=leg_id).update(result=result, graded_at=now)
            Bet.objects.filter(pk=bet.pk).update(updated_at=now)  # its legs changed: so must its ETag
            invalidation.bets_changed(tenant_id=bet.tenant_id)
        else:
            bet_correct(
                bet=bet,
                actor=actor,
                leg_results=leg_results,
                reason=f"score of game {game.external_id} corrected: {reason}",
                source=SettlementSource.AUTO,
            )
            corrected += 1
        regraded += len(leg_results)
    return regraded, corrected
