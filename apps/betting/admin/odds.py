"""Odds quotes in the admin, read-only: the feed (or a service caller) writes them; staff look at a
game's current prices (an inline on the game) and its line movement (the list, filtered by game)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.betting import selectors
from apps.betting.models import Game, OddsQuote
from apps.core.admin.tools import LargeReadOnlyAdmin, ReadOnlyInline

QUOTE_FIELDS = ["market", "selection", "line", "american_odds", "bookmaker", "quoted_at", "received_at", "source"]


@admin.register(OddsQuote)
class OddsQuoteAdmin(LargeReadOnlyAdmin):
    """Every quote kept: a game/market/selection/bookmaker's rows in time order are its line movement."""

    list_display = ["game", *QUOTE_FIELDS]
    list_filter = ["market", "selection", "bookmaker", "game__league"]
    search_fields = ["=game__external_id"]
    search_help_text = "A game's exact provider id."
    list_select_related = ["game__home_team", "game__away_team"]
    ordering = ["game", "market", "selection", "bookmaker", "-quoted_at"]
    fields = readonly_fields = ["game", *QUOTE_FIELDS]


class CurrentOddsInline(ReadOnlyInline):
    """The game's current prices: the newest quote of each market, selection and bookmaker."""

    model = OddsQuote
    verbose_name = "current odds quote"
    verbose_name_plural = "current odds (the newest quote of each market, selection and bookmaker)"
    fields = readonly_fields = QUOTE_FIELDS
    ordering = ["market", "selection", "bookmaker"]

    def get_queryset(self, request):
        return selectors.odds_current(super().get_queryset(request))


def odds_history_link(game: Game) -> str:
    url = reverse("admin:betting_oddsquote_changelist") + "?" + urlencode({"game__id__exact": game.pk})
    return format_html('<a href="{}">Every quote of this game (line movement)</a>', url)
