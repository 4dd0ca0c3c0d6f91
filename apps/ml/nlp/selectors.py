"""Reads the parser and its pages use."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Game
from apps.ml.models import Player, TeamAlias


def team_next_games(*, team_ids: set[int]) -> dict[int, Game]:
    """Each team's next scheduled game starting within the window (`NLP_GAME_WINDOW_HOURS` ahead, and up to
    `NLP_GAME_GRACE_MINUTES` after the start, for a bet posted as the game begins)."""
    if not team_ids:
        return {}
    now = timezone.now()
    window = timedelta(hours=getattr(settings, "NLP_GAME_WINDOW_HOURS", 72))
    grace = timedelta(minutes=getattr(settings, "NLP_GAME_GRACE_MINUTES", 15))
    games = (
        Game.objects.filter(Q(home_team_id__in=team_ids) | Q(away_team_id__in=team_ids))
        .filter(status=GameStatus.SCHEDULED, starts_at__gte=now - grace, starts_at__lte=now + window)
        .only("external_id", "home_team_id", "away_team_id", "starts_at")
        .order_by("starts_at", "pk")
    )
    found: dict[int, Game] = {}
    for game in games:
        for team_id in (game.home_team_id, game.away_team_id):
            if team_id in team_ids:
                found.setdefault(team_id, game)
    return found


def team_alias_list(*, search: str = "") -> QuerySet[TeamAlias]:
    queryset = TeamAlias.objects.select_related("team__league")
    if search:
        queryset = queryset.filter(Q(alias__icontains=search) | Q(team__name__icontains=search))
    return queryset


def player_list() -> QuerySet[Player]:
    return Player.objects.select_related("team", "league")
