"""Odds quotes in the admin, read-only: the feed (or a service caller) writes them; staff look at a
game's current prices (a table on the game's page) and its line movement (the list, filtered by game)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.betting import selectors
from apps.betting.models import Game, OddsQuote
from apps.betting.odds import format_american
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import LargeReadOnlyAdmin
from apps.core.exports import Column

QUOTE_FIELDS = ["market", "selection", "line", "odds", "bookmaker", "quoted_at", "received_at", "source"]


@admin.register(OddsQuote)
class OddsQuoteAdmin(ExportAdminMixin, LargeReadOnlyAdmin):
    """Every quote kept: a game/market/selection/bookmaker's rows in time order are its line movement."""

    list_display = ["game", *QUOTE_FIELDS]
    list_filter = ["market", "selection", "bookmaker", "game__league"]
    search_fields = ["=game__external_id"]
    search_help_text = "A game's exact provider id."
    list_select_related = ["game__home_team", "game__away_team"]
    ordering = ["game", "market", "selection", "bookmaker", "-quoted_at"]
    fields = readonly_fields = ["game", *QUOTE_FIELDS]
    export_columns = [
        Column("game", "game__external_id"),
        Column("market", "market"),
        Column("selection", "selection"),
        Column("line", "line"),
        Column("american odds", "american_odds"),
        Column("bookmaker", "bookmaker"),
        Column("quoted at (UTC)", "quoted_at"),
        Column("received at (UTC)", "received_at"),
        Column("source", "source"),
    ]

    @admin.display(description="American odds", ordering="american_odds")
    def odds(self, quote: OddsQuote) -> str:
        return format_american(quote.american_odds)


def current_odds_table(game: Game) -> str:
    """The game's current prices (the newest quote of each market, selection and bookmaker), as a table: a
    read-only field rather than an inline, so the game's form posts no formset (one query)."""
    quotes = list(selectors.odds_latest(game=game))
    if not quotes:
        return "No odds quoted."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                q.market,
                q.selection,
                "" if q.line is None else q.line,
                format_american(q.american_odds),
                q.bookmaker,
                q.quoted_at,
            )
            for q in quotes
        ),
    )
    header = "<tr><th>market</th><th>selection</th><th>line</th><th>odds</th><th>bookmaker</th><th>quoted at</th></tr>"
    return format_html("<table>{}{}</table>", mark_safe(header), rows)  # noqa: S308 - a constant


def odds_history_link(game: Game) -> str:
    url = reverse("admin:betting_oddsquote_changelist") + "?" + urlencode({"game__id__exact": game.pk})
    return format_html('<a href="{}">Every quote of this game (line movement)</a>', url)
