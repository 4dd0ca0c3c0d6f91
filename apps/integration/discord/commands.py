"""The slash commands: their definitions (what `discord_register_commands` sends) and their options read.

Periods are the ledger's own (apps/betting selectors take a month `2026-11`, a year `2026` or `lifetime`,
in the tenant's time zone): the commands offer this month, last month, this year and lifetime. The
ledger has no day or week period, so neither do the commands.
"""

import zoneinfo
from datetime import datetime
from decimal import Decimal, InvalidOperation

from apps.betting.choices import Market
from apps.betting.services.bets import LegInput

STRING, INTEGER, NUMBER = 3, 4, 10  # Discord's application command option types
GUILD_ONLY = {"contexts": [0], "integration_types": [0]}  # a guild install, used inside a guild

ODDS_RANGE = (-1_000_000, 1_000_000)  # as the REST API's bet input (apps/betting/api/serializers.py)
LINE_RANGE = (Decimal("-10000"), Decimal("10000"))
STAKE_RANGE = (Decimal("0.01"), Decimal("999999.99"))
CENTS = Decimal("0.01")

PERIODS = {"month": "This month", "last-month": "Last month", "year": "This year", "lifetime": "Lifetime"}
_PERIOD_OPTION = {
    "type": STRING,
    "name": "period",
    "description": "Which ledger period (default: this month)",
    "required": False,
    "choices": [{"name": label, "value": value} for value, label in PERIODS.items()],
}


class CommandRefused(Exception):
    """The command cannot be done as asked; the message tells the user what to change (an ephemeral answer)."""


COMMAND_DEFINITIONS = [
    {
        "name": "bet",
        "type": 1,
        "description": "Post a bet as this server's capper",
        **GUILD_ONLY,
        "options": [
            {
                "type": STRING,
                "name": "market",
                "description": "Market",
                "required": False,
                "choices": [{"name": label, "value": value} for value, label in Market.choices],
            },
            {
                "type": STRING,
                "name": "selection",
                "required": False,
                "max_length": 200,
                "description": "home/away (moneyline, spread), over/under (total), or the pick of a prop",
            },
            {
                "type": INTEGER,
                "name": "odds",
                "description": "American odds, e.g. -110 or 150",
                "required": False,
                "min_value": ODDS_RANGE[0],
                "max_value": ODDS_RANGE[1],
            },
            {
                "type": NUMBER,
                "name": "stake",
                "description": "Stake in units",
                "required": False,
                "min_value": float(STAKE_RANGE[0]),
                "max_value": float(STAKE_RANGE[1]),
            },
            {
                "type": STRING,
                "name": "game",
                "description": "The game's id from the results feed (leave out for a game that is not listed)",
                "required": False,
                "max_length": 64,
            },
            {
                "type": STRING,
                "name": "team",
                "required": False,
                "max_length": 500,
                "description": "The teams or the pick in words (needed when no game is given)",
            },
            {
                "type": NUMBER,
                "name": "line",
                "description": "Spread or total line, e.g. -3.5 or 221.5",
                "required": False,
                "min_value": float(LINE_RANGE[0]),
                "max_value": float(LINE_RANGE[1]),
            },
            {
                "type": STRING,
                "name": "text",
                "required": False,
                "max_length": 500,
                "description": "The bet in your words, e.g. Lakers -3.5 (-110) 2u (instead of the other options)",
            },
        ],
    },  # fmt: skip
    {
        "name": "record",
        "type": 1,
        "description": "Your record: W-L-P, units and ROI",
        **GUILD_ONLY,
        "options": [_PERIOD_OPTION],
    },  # fmt: skip
    {
        "name": "leaderboard",
        "type": 1,
        "description": "This server's cappers ranked by net units",
        **GUILD_ONLY,
        "options": [_PERIOD_OPTION],
    },  # fmt: skip
    {"name": "pending", "type": 1, "description": "Your bets that are not settled yet", **GUILD_ONLY},
]
COMMAND_NAMES = frozenset(command["name"] for command in COMMAND_DEFINITIONS)


def period_label(choice: object, *, timezone_name: str, now: datetime | None = None) -> tuple[str, str]:
    """(the ledger's period label, the words for it) of a period option; CommandRefused for another value."""
    choice = choice or "month"
    if not isinstance(choice, str) or choice not in PERIODS:
        raise CommandRefused(f"Unknown period {choice!r}: choose one of {', '.join(PERIODS)}.")
    local = (now or datetime.now(zoneinfo.ZoneInfo("UTC"))).astimezone(zoneinfo.ZoneInfo(timezone_name))
    if choice == "lifetime":
        return "lifetime", "lifetime"
    if choice == "year":
        return f"{local.year}", f"{local.year}"
    if choice == "last-month":
        local = local.replace(day=1, year=local.year - (local.month == 1), month=(local.month - 2) % 12 + 1)
    return local.strftime("%Y-%m"), local.strftime("%B %Y")


def _decimal(options: dict, name: str, bounds: tuple[Decimal, Decimal]) -> Decimal | None:
    value = options.get(name)
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise CommandRefused(f"{name} must be a number.") from None
    if not number.is_finite() or number != number.quantize(CENTS) or not bounds[0] <= number <= bounds[1]:
        raise CommandRefused(f"{name} must be a number from {bounds[0]} to {bounds[1]} with at most 2 decimals.")
    return number


def bet_from_options(options: dict) -> tuple[Decimal, LegInput]:
    """(stake, the one leg) of a /bet; CommandRefused naming what is missing or out of range.

    The betting service checks the rest (the tenant's stake bounds, the selection for the market, the
    game, the line): its message is the answer when it refuses."""
    missing = [name for name in ("market", "selection", "odds", "stake") if options.get(name) in (None, "")]
    if missing:
        raise CommandRefused(f"A bet needs {', '.join(missing)}.")
    if options["market"] not in Market.values:
        raise CommandRefused(f"market must be one of {', '.join(Market.values)}.")
    odds = options["odds"]
    if not isinstance(odds, int) or isinstance(odds, bool) or not ODDS_RANGE[0] <= odds <= ODDS_RANGE[1]:
        raise CommandRefused("odds must be whole American odds, e.g. -110 or 150.")
    stake = _decimal(options, "stake", STAKE_RANGE)
    game = str(options.get("game") or "").strip()[:64] or None
    selection = str(options["selection"]).strip()[:200]
    leg = LegInput(
        market=options["market"],
        # home/away/over/under are the ledger's words in lower case; a prop's pick stays as written
        selection=selection if options["market"] == Market.PROP else selection.lower(),
        odds=odds,
        game=game,
        line=_decimal(options, "line", LINE_RANGE),
        description=str(options.get("team") or "").strip()[:500],
    )
    return stake, leg
