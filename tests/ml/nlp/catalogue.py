"""Builds the demo's sports catalogue (apps/demo/catalogue.py), its curated aliases and one scheduled game
per team for the next day, so the parser's tests and bench resolve teams, games and home/away."""

from datetime import timedelta

from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Game, League, Sport, Team
from apps.demo.catalogue import LEAGUES
from apps.ml.nlp.services import team_aliases_seed


def _abbreviation(name: str) -> str:
    words = name.replace("&", " ").split()
    return ("".join(word[0] for word in words) if len(words) > 1 else name[:3]).upper()[:10]


def demo_catalogue_build(*, with_games: bool = True) -> dict[str, Game]:
    """Leagues, teams (with the demo seeder's abbreviations), aliases and players; with games, each league's
    teams paired in the order listed (first at home) a day from now. Returns games by team name."""
    games: dict[str, Game] = {}
    start = timezone.now() + timedelta(days=1)
    for spec in LEAGUES:
        sport, _ = Sport.objects.get_or_create(key=spec.sport_key, defaults={"name": spec.sport_name})
        league, _ = League.objects.get_or_create(key=spec.key, defaults={"name": spec.name, "sport": sport})
        teams = [
            Team.objects.get_or_create(league=league, name=name, defaults={"abbreviation": _abbreviation(name)})[0]
            for name in spec.teams
        ]
        if not with_games:
            continue
        for index in range(0, len(teams) - 1, 2):
            home, away = teams[index], teams[index + 1]
            game = Game.objects.create(
                external_id=f"{spec.key}-{home.pk}-{away.pk}",
                league=league,
                home_team=home,
                away_team=away,
                starts_at=start + timedelta(minutes=index),
                status=GameStatus.SCHEDULED,
            )
            games[home.name] = games[away.name] = game
    team_aliases_seed()
    return games
