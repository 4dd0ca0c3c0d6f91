from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.betting.choices import GameStatus
from apps.betting.models import Game, League, Sport, Team
from apps.betting.services import invalidation
from apps.betting.signals import game_finalized, game_updated
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, NotFoundError

TRACKED_FIELDS = ("league_id", "home_team_id", "away_team_id", "starts_at", "status", "home_score", "away_score")


def _snapshot(game: Game) -> dict:
    return {name: getattr(game, name) for name in TRACKED_FIELDS}


def _team(league: League, name: str) -> Team:
    team, _ = Team.objects.get_or_create(league=league, name=name.strip())
    return team


@transaction.atomic
def game_upsert(
    *,
    actor: Actor,
    external_id: str,
    sport: str,
    league: str,
    home_team: str,
    away_team: str,
    starts_at: datetime,
    status: str = GameStatus.SCHEDULED,
) -> tuple[Game, bool]:
    """Create or update a fixture by the provider's id; a final game's result goes through game_record_result."""
    if home_team.strip().lower() == away_team.strip().lower():
        raise ApplicationError(
            gettext("A game needs two different teams."), fields={"away_team": [gettext("Same as home_team.")]}
        )
    if status == GameStatus.FINAL:
        raise ApplicationError(
            gettext("Post the final score to /games/{external_id}/result/ instead."),
            fields={"status": [gettext("Not allowed here.")]},
        )
    sport_row, _ = Sport.objects.get_or_create(key=sport.lower(), defaults={"name": sport})
    league_row, _ = League.objects.get_or_create(key=league.lower(), defaults={"name": league, "sport": sport_row})
    values = {
        "league": league_row,
        "home_team": _team(league_row, home_team),
        "away_team": _team(league_row, away_team),
        "starts_at": starts_at,
        "status": status,
    }
    game = Game.objects.select_for_update().filter(external_id=external_id).first()
    if game is None:
        game = Game.objects.create(external_id=external_id, **values)
        invalidation.games_changed()
        audit_record(
            actor=actor, action="betting.game_created", target=game, changes=field_changes({}, _snapshot(game))
        )
        return game, True
    if game.status == GameStatus.FINAL:
        raise ConflictError(
            gettext("Game %(external_id)s is final and can no longer change.") % {"external_id": external_id},
            code="game_final",
        )
    before = _snapshot(game)
    for name, value in values.items():
        setattr(game, name, value)
    changes = field_changes(before, _snapshot(game))
    if changes:
        game.save()
        invalidation.games_changed()
        if "league_id" in changes:  # the bets on it now count under another league (and sport)
            invalidation.bets_changed_on_game(game_id=game.pk)
        audit_record(actor=actor, action="betting.game_updated", target=game, changes=changes)
        game_updated.send(sender=Game, game_id=game.pk, changed=sorted(changes))
    return game, False


@transaction.atomic
def game_record_result(*, actor: Actor, external_id: str, home_score: int, away_score: int, status: str) -> Game:
    """Record a final score (or a cancellation); grading of its pending legs is enqueued after commit.

    A game that has not started cannot be final (it may be cancelled). Repeating the same final score
    is a no-op; a different score for a final game is a 409: a corrected score is a staff correction
    with a reason (`game_correct_score`, the game admin's action), never something a feed does silently.
    """
    game = Game.objects.select_for_update().filter(external_id=external_id).first()
    if game is None:
        raise NotFoundError(
            _("No game with external id %(external_id)s.") % {"external_id": external_id}, code="game_not_found"
        )
    if status not in (GameStatus.FINAL, GameStatus.CANCELLED):
        raise ApplicationError(
            _("status must be final or cancelled."), fields={"status": [_("Must be final or cancelled.")]}
        )
    if game.status == GameStatus.FINAL:
        if (game.home_score, game.away_score) == (home_score, away_score) and status == GameStatus.FINAL:
            return game
        raise ConflictError(
            _(
                "Game %(external_id)s already has a final score (%(home_score)s-%(away_score)s). A different score is "
                "a staff correction: in the admin, Games → select the game → “Correct the final score”, with a reason."
            )
            % {"external_id": external_id, "home_score": game.home_score, "away_score": game.away_score},
            code="game_final",
        )
    if status == GameStatus.FINAL and game.starts_at > timezone.now():
        raise ApplicationError(
            _("Game %(external_id)s starts at %(starts_at)s: it cannot have a final score yet.")
            % {"external_id": external_id, "starts_at": game.starts_at.isoformat()},
            code="game_not_started",
            fields={"status": [_("A game that has not started cannot be final.")]},
        )
    before = _snapshot(game)
    game.status = status
    game.home_score, game.away_score = home_score, away_score
    game.finalized_at = timezone.now()
    game.save()
    invalidation.games_changed()
    audit_record(
        actor=actor, action="betting.game_finalized", target=game, changes=field_changes(before, _snapshot(game))
    )
    # the betting app's own receiver enqueues the grading of the game's pending legs (an outbox row)
    game_finalized.send(sender=Game, game_id=game.pk)
    return game
