"""Sports data shared by all tenants: sports, leagues, teams and games."""

from django.db import models
from django.db.models import Q

from apps.betting.choices import GameStatus


class Sport(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class League(models.Model):
    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="leagues")
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    league = models.ForeignKey(League, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    abbreviation = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["league", "name"], name="team_unique_per_league")]

    def __str__(self) -> str:
        return self.name


class Game(models.Model):
    """A fixture from the data provider (`external_id` is theirs); scores arrive when it is final."""

    external_id = models.CharField(max_length=64, unique=True)
    league = models.ForeignKey(League, on_delete=models.PROTECT, related_name="games")
    home_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="home_games")
    away_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="away_games")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=GameStatus.choices, default=GameStatus.SCHEDULED)
    home_score = models.PositiveIntegerField(null=True, blank=True)
    away_score = models.PositiveIntegerField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["league", "starts_at"], name="game_league_start"),
            models.Index(fields=["status", "starts_at"], name="game_status_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(home_team=models.F("away_team")), name="game_distinct_teams"),
            models.CheckConstraint(condition=Q(status__in=GameStatus.values), name="game_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=GameStatus.FINAL) | Q(home_score__isnull=False, away_score__isnull=False),
                name="game_final_has_scores",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.away_team} @ {self.home_team} ({self.starts_at:%Y-%m-%d})"
