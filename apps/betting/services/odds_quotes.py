"""Market odds on a game: quotes checked and written idempotently, keeping the line's movement.

A quote is one side (selection) of one market of a game as one bookmaker priced it at a moment
(`quoted_at`, the provider's time). Per game/market/selection/bookmaker, in time order:
- the same moment again with the same price is nothing (a feed listing read twice);
- the same moment with another price is refused (409): a provider does not re-price the past;
- a price equal to the one before it in time is nothing either (no movement, no row);
- anything else is a new row: history is never edited, the newest row is the current price —
  except after the game ended (final or cancelled): its markets are closed, a new price is refused (409).
A call is all or nothing: one bad quote refuses the whole call, naming it, and writes none.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.betting.choices import GameStatus, Market
from apps.betting.models import Game, OddsQuote
from apps.betting.models.odds import QUOTED_MARKETS
from apps.betting.odds import InvalidOdds, validate_american
from apps.betting.services import invalidation
from apps.betting.services.bets import SELECTIONS_BY_MARKET
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError

# a provider's clock may run a little fast; a quote further in the future than this is refused
QUOTE_CLOCK_SKEW = timedelta(minutes=5)
MAX_LINE = Decimal("99999.99")  # OddsQuote.line: 7 digits, 2 after the point
BOOKMAKER_MAX_LENGTH = 64


@dataclass(frozen=True)
class OddsQuoteInput:
    """One quote as a provider states it; `line` is required for a spread or a total, none for a moneyline."""

    market: str
    selection: str
    american_odds: int
    bookmaker: str
    quoted_at: datetime
    line: Decimal | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.market, self.selection, self.bookmaker.strip()

    @property
    def price(self) -> tuple[Decimal | None, int]:
        return self.line, self.american_odds


@dataclass
class OddsUpsertOutcome:
    seen: int = 0
    created: int = 0
    unchanged: int = 0
    quotes: list[OddsQuote] = field(default_factory=list)  # the rows created


class InvalidOddsQuote(ApplicationError):
    code = "invalid_odds"


def odds_quote_errors(quote: OddsQuoteInput, *, now: datetime) -> list[str]:
    """What is wrong with one quote, in words (empty: nothing)."""
    errors = []
    if quote.market not in QUOTED_MARKETS:
        errors.append(
            _("market must be one of %(quoted_markets)s, got %(market)r")
            % {"quoted_markets": ", ".join(QUOTED_MARKETS), "market": quote.market}
        )
    elif quote.selection not in SELECTIONS_BY_MARKET[quote.market]:
        allowed = " or ".join(sorted(SELECTIONS_BY_MARKET[quote.market]))
        errors.append(
            _("a %(market)s selection must be %(allowed)s, got %(selection)r")
            % {"market": quote.market, "allowed": allowed, "selection": quote.selection}
        )
    try:
        validate_american(quote.american_odds)
    except InvalidOdds as error:
        errors.append(str(error))
    errors.extend(_line_errors(quote))
    bookmaker = quote.bookmaker.strip() if isinstance(quote.bookmaker, str) else ""
    if not bookmaker or len(bookmaker) > BOOKMAKER_MAX_LENGTH:
        errors.append(
            _("bookmaker must be a non-empty name of at most %(bookmaker_max_length)s characters")
            % {"bookmaker_max_length": BOOKMAKER_MAX_LENGTH}
        )
    if not isinstance(quote.quoted_at, datetime) or timezone.is_naive(quote.quoted_at):
        errors.append(_("quoted_at must be a date-time with a time zone"))
    elif quote.quoted_at > now + QUOTE_CLOCK_SKEW:
        errors.append(_("quoted_at %(quoted_at)s is in the future") % {"quoted_at": quote.quoted_at.isoformat()})
    return errors


def _line_errors(quote: OddsQuoteInput) -> list[str]:
    line = quote.line
    if line is None:
        return (
            [_("a %(market)s needs a line") % {"market": quote.market}]
            if quote.market in (Market.SPREAD, Market.TOTAL)
            else []
        )
    if quote.market == Market.MONEYLINE:
        return [_("a moneyline has no line")]
    if not isinstance(line, Decimal) or not line.is_finite():
        return [_("line must be a decimal number, got %(line)r") % {"line": line}]
    if line != line.quantize(Decimal("0.01")) or abs(line) > MAX_LINE:
        return [
            _("line must have at most 2 decimal places and be within ±%(max_line)s, got %(line)s")
            % {"max_line": MAX_LINE, "line": line}
        ]
    if quote.market == Market.TOTAL and line <= 0:
        return [_("a total's line must be positive, got %(line)s") % {"line": line}]
    return []


def _check(quotes: list[OddsQuoteInput], *, now: datetime) -> None:
    """Every quote valid, and no two different prices for one side at one moment: else refuse them all."""
    fields: dict[str, list[str]] = {}
    moments: dict[tuple, tuple] = {}
    for index, quote in enumerate(quotes):
        errors = odds_quote_errors(quote, now=now)
        if not errors:
            moment = (*quote.key, quote.quoted_at)
            if moments.setdefault(moment, quote.price) != quote.price:
                errors.append(_("two different prices for the same market, selection, bookmaker and quoted_at"))
        if errors:
            fields[f"odds[{index}]"] = errors
    if fields:
        index, errors = next(iter(fields.items()))
        raise InvalidOddsQuote(
            _("%(index)s: %(errors)s.") % {"index": index, "errors": "; ".join(errors)}, fields=fields
        )


def _describe(line: Decimal | None, american_odds: int) -> str:
    return f"{line.quantize(Decimal('0.01'))} {american_odds:+d}" if line is not None else f"{american_odds:+d}"


@transaction.atomic
def odds_quotes_upsert(*, actor: Actor, game: Game, quotes: list[OddsQuoteInput], source: str) -> OddsUpsertOutcome:
    """Record a game's quotes; a repeated or unmoved price writes nothing, a moved one a new row (audited)."""
    now = timezone.now()
    _check(quotes, now=now)
    # one writer of a game's odds at a time: "the price before this one" stays true until commit
    game = Game.objects.select_for_update().get(pk=game.pk)
    outcome = OddsUpsertOutcome(seen=len(quotes))
    moved: dict[str, dict[str, str | None]] = {}
    closed_at = game.finalized_at if game.status in (GameStatus.FINAL, GameStatus.CANCELLED) else None
    for quote in sorted(quotes, key=lambda quote: quote.quoted_at):
        market, selection, bookmaker = quote.key
        previous = (
            OddsQuote.objects.filter(
                game=game, market=market, selection=selection, bookmaker=bookmaker, quoted_at__lte=quote.quoted_at
            )
            .order_by("-quoted_at")
            .first()
        )
        if previous is not None and previous.quoted_at == quote.quoted_at and previous.price != quote.price:
            raise ConflictError(
                _(
                    "%(bookmaker)s already quoted %(market)s %(selection)s on game %(external_id)s at %(quoted_at)s as "
                    "%(previous_price)s, not %(price)s: a price at a past moment is not changed."
                )
                % {
                    "bookmaker": bookmaker,
                    "market": market,
                    "selection": selection,
                    "external_id": game.external_id,
                    "quoted_at": quote.quoted_at.isoformat(),
                    "previous_price": _describe(*previous.price),
                    "price": _describe(*quote.price),
                },
                code="odds_quote_conflict",
            )
        if previous is not None and previous.price == quote.price:
            outcome.unchanged += 1
            continue
        if closed_at is not None and quote.quoted_at > closed_at:  # (the same price re-stamped is harmless)
            raise ConflictError(
                _(
                    "Game %(external_id)s is %(status)s since %(closed_at)s: its markets are closed, a new price at "
                    "%(quoted_at)s cannot be taken."
                )
                % {
                    "external_id": game.external_id,
                    "status": game.status,
                    "closed_at": closed_at.isoformat(),
                    "quoted_at": quote.quoted_at.isoformat(),
                },
                code="odds_market_closed",
            )
        row = OddsQuote.objects.create(
            game=game,
            market=market,
            selection=selection,
            bookmaker=bookmaker,
            line=quote.line,
            american_odds=quote.american_odds,
            quoted_at=quote.quoted_at,
            source=source[:80],
        )
        outcome.created += 1
        outcome.quotes.append(row)
        label = f"{market} {selection} {bookmaker} {quote.quoted_at.isoformat()}"
        moved[label] = {
            "before": _describe(*previous.price) if previous is not None else None,
            "after": _describe(*quote.price),
        }
    if outcome.created:
        invalidation.odds_changed()
        audit_record(actor=actor, action="betting.odds_quoted", target=game, changes=moved)
    return outcome
