"""Reads the parser and its pages use."""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Game
from apps.ml.models import Player, TeamAlias


def team_next_games(*, team_ids: set[int], version=None) -> dict[int, Game]:
    """Each team's next scheduled game starting within the window (`NLP_GAME_WINDOW_HOURS` ahead, and up to
    `NLP_GAME_GRACE_MINUTES` after the start, for a bet posted as the game begins).

    The schedule of the window is read once and kept in the process for `NLP_SCHEDULE_TTL_SECONDS` (or until
    the catalogue `version` changes): one query per message would be most of the parser's time."""
    if not team_ids:
        return {}
    ttl = settings.NLP_SCHEDULE_TTL_SECONDS
    now = time.monotonic()
    if _schedule["games"] is None or _schedule["version"] != version or now - _schedule["read"] > ttl:
        _schedule.update(games=_schedule_read(), version=version, read=now)
    games = _schedule["games"]
    return {team_id: games[team_id] for team_id in team_ids if team_id in games}


_schedule: dict = {"games": None, "version": None, "read": 0.0}


def _schedule_read() -> dict[int, Game]:
    now = timezone.now()
    window = timedelta(hours=settings.NLP_GAME_WINDOW_HOURS)
    grace = timedelta(minutes=settings.NLP_GAME_GRACE_MINUTES)
    games = (
        Game.objects.filter(status=GameStatus.SCHEDULED, starts_at__gte=now - grace, starts_at__lte=now + window)
        .only("external_id", "home_team_id", "away_team_id", "starts_at")
        .order_by("starts_at", "pk")
    )
    found: dict[int, Game] = {}
    for game in games:
        for team_id in (game.home_team_id, game.away_team_id):
            found.setdefault(team_id, game)
    return found


def team_alias_list(*, search: str = "") -> QuerySet[TeamAlias]:
    queryset = TeamAlias.objects.select_related("team__league")
    if search:
        queryset = queryset.filter(Q(alias__icontains=search) | Q(team__name__icontains=search))
    return queryset


def player_list() -> QuerySet[Player]:
    return Player.objects.select_related("team", "league")
