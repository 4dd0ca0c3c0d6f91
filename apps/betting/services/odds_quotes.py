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
        errors.append(f"market must be one of {', '.join(QUOTED_MARKETS)}, got {quote.market!r}")
    elif quote.selection not in SELECTIONS_BY_MARKET[quote.market]:
        allowed = " or ".join(sorted(SELECTIONS_BY_MARKET[quote.market]))
        errors.append(f"a {quote.market} selection must be {allowed}, got {quote.selection!r}")
    try:
        validate_american(quote.american_odds)
    except InvalidOdds as error:
        errors.append(str(error))
    errors.extend(_line_errors(quote))
    bookmaker = quote.bookmaker.strip() if isinstance(quote.bookmaker, str) else ""
    if not bookmaker or len(bookmaker) > BOOKMAKER_MAX_LENGTH:
        errors.append(f"bookmaker must be a non-empty name of at most {BOOKMAKER_MAX_LENGTH} characters")
    if not isinstance(quote.quoted_at, datetime) or timezone.is_naive(quote.quoted_at):
        errors.append("quoted_at must be a date-time with a time zone")
    elif quote.quoted_at > now + QUOTE_CLOCK_SKEW:
        errors.append(f"quoted_at {quote.quoted_at.isoformat()} is in the future")
    return errors


def _line_errors(quote: OddsQuoteInput) -> list[str]:
    line = quote.line
    if line is None:
        return [f"a {quote.market} needs a line"] if quote.market in (Market.SPREAD, Market.TOTAL) else []
    if quote.market == Market.MONEYLINE:
        return ["a moneyline has no line"]
    if not isinstance(line, Decimal) or not line.is_finite():
        return [f"line must be a decimal number, got {line!r}"]
    if line != line.quantize(Decimal("0.01")) or abs(line) > MAX_LINE:
        return [f"line must have at most 2 decimal places and be within ±{MAX_LINE}, got {line}"]
    if quote.market == Market.TOTAL and line <= 0:
        return [f"a total's line must be positive, got {line}"]
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
                errors.append("two different prices for the same market, selection, bookmaker and quoted_at")
        if errors:
            fields[f"odds[{index}]"] = errors
    if fields:
        index, errors = next(iter(fields.items()))
        raise InvalidOddsQuote(f"{index}: {'; '.join(errors)}.", fields=fields)


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
                f"{bookmaker} already quoted {market} {selection} on game {game.external_id} at "
                f"{quote.quoted_at.isoformat()} as {_describe(*previous.price)}, not {_describe(*quote.price)}: "
                "a price at a past moment is not changed.",
                code="odds_quote_conflict",
            )
        if previous is not None and previous.price == quote.price:
            outcome.unchanged += 1
            continue
        if closed_at is not None and quote.quoted_at > closed_at:  # (the same price re-stamped is harmless)
            raise ConflictError(
                f"Game {game.external_id} is {game.status} since {closed_at.isoformat()}: its markets are "
                f"closed, a new price at {quote.quoted_at.isoformat()} cannot be taken.",
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
