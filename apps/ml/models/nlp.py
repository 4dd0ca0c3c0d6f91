"""The bet-text parser's catalogue: what people call teams (nicknames, abbreviations, cities) and players."""

from django.db import models

from apps.betting.models import League, Team
from apps.ml.nlp.text import name_normalise


class AliasKind(models.TextChoices):
    NICKNAME = "nickname", "Nickname"
    ABBREVIATION = "abbreviation", "Abbreviation"
    CITY = "city", "City or region"


class TeamAlias(models.Model):
    """Another name a team goes by in messages ("Lakers", "LAL", "Lake Show"); `normalised` is what the
    parser matches (lower case, accents and punctuation removed). The same alias may name teams of different
    leagues ("Kings"): the parser then needs a league or a scheduled game to choose, or leaves it unparsed."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=80)
    normalised = models.CharField(max_length=80, db_index=True, editable=False)
    kind = models.CharField(max_length=16, choices=AliasKind.choices, default=AliasKind.NICKNAME)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "alias"]
        verbose_name_plural = "team aliases"
        constraints = [
            models.UniqueConstraint(fields=["team", "normalised"], name="team_alias_unique_per_team"),
            models.CheckConstraint(condition=~models.Q(normalised=""), name="team_alias_not_empty"),
            models.CheckConstraint(condition=models.Q(kind__in=AliasKind.values), name="team_alias_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.team_id}"

    def save(self, *args, **kwargs) -> None:
        self.normalised = name_normalise(self.alias)
        super().save(*args, **kwargs)


class Player(models.Model):
    """A player the parser recognises as an entity (player props themselves are not parsed into legs)."""

    name = models.CharField(max_length=120)
    normalised = models.CharField(max_length=120, db_index=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="players")
    league = models.ForeignKey(League, on_delete=models.CASCADE, related_name="players")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["league", "normalised"], name="player_unique_per_league"),
            models.CheckConstraint(condition=~models.Q(normalised=""), name="player_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalised = name_normalise(self.name)
        super().save(*args, **kwargs)
