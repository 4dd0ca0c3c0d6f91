"""Market odds on a game: each quote a row, so a selection's line movement is its history."""

from django.db import models
from django.db.models import Q

from apps.betting.choices import Market, Selection
from apps.betting.models.sports import Game

# the markets a quote can be on (props have no provider quote in the feed)
QUOTED_MARKETS = (Market.MONEYLINE, Market.SPREAD, Market.TOTAL)


class OddsQuote(models.Model):
    """A bookmaker's price for one side of one market of a game at a moment (`quoted_at`, the provider's time).

    Quotes are never changed: a new price is a new row, an unchanged one is not written again
    (services/odds_quotes.py), so the rows of a game/market/selection/bookmaker in time order are its
    line movement and the newest is the current price.
    """

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="odds_quotes")
    market = models.CharField(max_length=16, choices=[(market.value, market.label) for market in QUOTED_MARKETS])
    selection = models.CharField(max_length=8, choices=Selection.choices)
    line = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Spread or total; none for a moneyline."
    )
    american_odds = models.IntegerField(help_text="American odds, |odds| >= 100")
    bookmaker = models.CharField(max_length=64, help_text="Who quotes the price (the feed's label).")
    source = models.CharField(max_length=80, help_text="Where the quote came from: feed:<name>, or the actor.")
    quoted_at = models.DateTimeField(help_text="The provider's time of the price.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["game", "market", "selection", "bookmaker", "-quoted_at"]
        constraints = [
            # one price per side, bookmaker and moment: the same quote twice is one row. Its index is also
            # the one "the latest quote of each game/market/selection(/bookmaker)" walks backwards.
            models.UniqueConstraint(
                fields=["game", "market", "selection", "bookmaker", "quoted_at"], name="odds_quote_unique_moment"
            ),
            models.CheckConstraint(
                condition=Q(american_odds__gte=100) | Q(american_odds__lte=-100), name="odds_quote_american_valid"
            ),
            models.CheckConstraint(condition=Q(market__in=QUOTED_MARKETS), name="odds_quote_market_valid"),
            models.CheckConstraint(
                condition=Q(market=Market.TOTAL, selection__in=[Selection.OVER, Selection.UNDER])
                | Q(market__in=[Market.MONEYLINE, Market.SPREAD], selection__in=[Selection.HOME, Selection.AWAY]),
                name="odds_quote_selection_fits_market",
            ),
            models.CheckConstraint(
                condition=Q(market=Market.MONEYLINE, line__isnull=True)
                | Q(market=Market.SPREAD, line__isnull=False)
                | Q(market=Market.TOTAL, line__gt=0),
                name="odds_quote_line_fits_market",
            ),
            models.CheckConstraint(condition=~Q(bookmaker=""), name="odds_quote_bookmaker_named"),
        ]
        indexes = [
            # a game's quotes in time order (the history endpoint, the price at a bet's placement time)
            models.Index(fields=["game", "quoted_at"], name="odds_quote_game_time"),
        ]

    def __str__(self) -> str:
        line = "" if self.line is None else f" {self.line:+}" if self.market == Market.SPREAD else f" {self.line}"
        return f"{self.market} {self.selection}{line} {self.american_odds:+d} ({self.bookmaker})"

    @property
    def price(self) -> tuple:
        """(line, American odds): what a movement changes."""
        return self.line, self.american_odds
