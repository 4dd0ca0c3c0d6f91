"""`/bet text:`: a bet in the capper's own words, read by the ml app's bet-text parser.

Nothing is guessed: when the parser left a part unread, or a bet lacks what the ledger needs (the stake,
the odds of every leg, a scheduled game to know home or away), the command refuses privately and says what
it understood and what to add. A message with several straight bets posts each; a parlay posts one bet.
"""

from dataclasses import dataclass
from decimal import Decimal

from apps.betting.services.bets import LegInput
from apps.core.errors import ApplicationError
from apps.integration.discord.commands import CENTS, STAKE_RANGE, CommandRefused
from apps.ml.nlp.services import bet_text_parse

MIN_CONFIDENCE = 0.75
TEXT_MAX_LENGTH = 500
EXAMPLE = "e.g. `Lakers -3.5 (-110) 2u`, or `Parlay 1u: Celtics ML -150 + Knicks +4 -110`"


@dataclass(frozen=True)
class TextBet:
    stake: Decimal
    legs: list[LegInput]


def text_check(text: object) -> str:
    """The text option as given; CommandRefused when empty or too long (checked before the command is deferred)."""
    if not isinstance(text, str) or not text.strip():
        raise CommandRefused(f"Write the bet in the text option, {EXAMPLE}.")
    if len(text) > TEXT_MAX_LENGTH:
        raise CommandRefused(f"The text has {len(text)} characters; /bet reads at most {TEXT_MAX_LENGTH}.")
    return text


def bets_from_text(text: str, *, tenant=None) -> list[TextBet]:
    """The bets to post from the text; CommandRefused with what was understood and what is missing."""
    try:
        result = bet_text_parse(text_check(text), tenant=tenant)
    except ApplicationError as error:
        raise CommandRefused(error.message) from None
    understood = understood_text(result)
    if result["unparsed"]:
        parts = "; ".join(f"“{item['text']}”: {item['reason']}" for item in result["unparsed"])
        raise CommandRefused(f"Not posted: I could not read {parts}.{understood}")
    if not result["bets"]:
        raise CommandRefused(f"Not posted: I found no bet in the text. Write it like {EXAMPLE}.")
    return [_text_bet(bet, understood) for bet in result["bets"]]


def _text_bet(bet: dict, understood: str) -> TextBet:
    if bet["confidence"] < MIN_CONFIDENCE:
        raise CommandRefused(f"Not posted: I am not sure enough of my reading. Check the team names.{understood}")
    if bet["stake_units"] is None:
        raise CommandRefused(f"Not posted: add the stake in units (e.g. `2u`).{understood}")
    stake = Decimal(bet["stake_units"])
    if stake != stake.quantize(CENTS) or not STAKE_RANGE[0] <= stake <= STAKE_RANGE[1]:
        raise CommandRefused(f"Not posted: the stake must be {STAKE_RANGE[0]} to {STAKE_RANGE[1]} units.{understood}")
    legs = []
    for leg in bet["legs"]:
        if leg["american_odds"] is None:
            raise CommandRefused(f"Not posted: add the odds of {leg['team']} (e.g. `-110`).{understood}")
        if leg["game_external_id"] is None:
            raise CommandRefused(
                f"Not posted: {leg['team']} has no scheduled game in the next days that I know of; "
                f"post it with the options (market, selection, odds, stake).{understood}"
            )
        legs.append(
            LegInput(
                market=leg["market"],
                selection=leg["selection"],
                odds=leg["american_odds"],
                game=leg["game_external_id"],
                line=Decimal(leg["line"]) if leg["line"] is not None else None,
                description=leg["team"],
            )
        )
    return TextBet(stake=stake, legs=legs)


def understood_text(result: dict) -> str:
    """What the parser read, one line per bet, for the refusal message."""
    lines = []
    for bet in result["bets"]:
        legs = " + ".join(_leg_words(leg) for leg in bet["legs"])
        stake = f"{bet['stake_units']}u" if bet["stake_units"] is not None else "no stake"
        lines.append(f"• {legs}, {stake}")
    return ("\nI understood:\n" + "\n".join(lines)) if lines else ""


def _leg_words(leg: dict) -> str:
    words = {"moneyline": "ML", "spread": leg["line"], "total": f"{leg['selection']} {leg['line']}"}[leg["market"]]
    odds = f" ({leg['american_odds']:+d})" if leg["american_odds"] is not None else " (no odds)"
    return f"{leg['team']} {words}{odds}"
