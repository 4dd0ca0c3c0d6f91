"""Admin of the parser's catalogue: team aliases (searchable) and players. A save normalises the name (the
model's save) and bumps the catalogue version (apps/ml/nlp/receivers.py), so every process re-reads it."""

from django.contrib import admin

from apps.core.admin.tools import ModelAdmin
from apps.ml.models import Player, TeamAlias


@admin.register(TeamAlias)
class TeamAliasAdmin(ModelAdmin):
    list_display = ["alias", "team", "team_league", "kind", "normalised"]
    list_filter = ["kind", "team__league"]
    search_fields = ["alias", "normalised", "team__name", "team__abbreviation"]
    list_select_related = ["team__league"]
    autocomplete_fields = ["team"]
    readonly_fields = ["normalised", "created_at"]

    @admin.display(description="League", ordering="team__league__key")
    def team_league(self, alias: TeamAlias) -> str:
        return alias.team.league.name


@admin.register(Player)
class PlayerAdmin(ModelAdmin):
    list_display = ["name", "team", "league"]
    list_filter = ["league"]
    search_fields = ["name", "normalised", "team__name"]
    list_select_related = ["team", "league"]
    autocomplete_fields = ["team"]
    readonly_fields = ["normalised"]
