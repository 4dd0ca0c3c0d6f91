"""What one part of a message says about a bet, read with regular expressions: odds, lines, totals,
moneyline, units, money and the words that make a part unsupported (periods, props, team totals).

Spans the grammar understood are blanked out of `rest`, so team matching only sees what is left.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from apps.betting.choices import Selection

_NUMBER = r"(?:\d+(?:[.,]\d+)?|\.\d+)"
_UNIT_WORDS = r"u|units?|unidad(?:es)?|unidades|unids?|uds?|unités?|unites?|einheit(?:en)?|unità|unita|unidade?s?|uni"
_NUMBER_WORDS = {"half": "0.5", "media": "0.5", "one": "1", "two": "2", "three": "3", "una": "1", "dos": "2"}

TO_WIN = re.compile(
    r"(?:to\s+win|to\s+pay|to\s+return|para\s+cobrar|para\s+ganar|pour\s+gagner|para\s+ganhar|um\s+zu\s+gewinnen|per\s+vincere)\s*:?\s*\$?\s*"
    + _NUMBER
    + rf"\s*(?:{_UNIT_WORDS}|\$)?(?![a-z])"
)
# "+2.4u on the day": a result, not a stake.
RESULT_UNITS = re.compile(r"(?<![\w.])[+-](?=[\d.])" + _NUMBER + rf"\s*(?:{_UNIT_WORDS})(?![a-z])")
UNITS = re.compile(
    r"(?:\b(?:risk(?:ing)?|riesgo|stake|apuesta|wager|bet)\s*:?\s*)?(?<![\d.,+-])("
    + _NUMBER
    + rf")\s*(?:{_UNIT_WORDS})(?![a-z])"
)
UNITS_BEFORE = re.compile(r"\b(?:units?|unidades|stake|risk(?:ing)?)\s*[:=]?\s*(" + _NUMBER + r")(?![\d.%])")
UNITS_WORDS = re.compile(r"\b(half|media|one|two|three|una|dos)\s+(?:a\s+)?(?:units?|unidad(?:es)?)\b")
MONEY = re.compile(
    r"(?:[$€£]\s?(" + _NUMBER + r")|(" + _NUMBER + r")\s?(?:[$€£](?!\s?\d)|usd|dollars|bucks|eur|euros|pesos)(?![a-z]))"
)
NOISE = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|et|est|edt|pt|pst|ct|cst|mt|hs)\b"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d+(?:[.,]\d+)?\s?%|#\d+"
    r"|\b\d+\s*-\s*\d+\s*(?:run|record|on\s+the|in\s+the|last|l\d+)|\bl\d{1,2}\b|(?<![+\-\d.])\d+-\d+(?:-\d+)?(?![\d.])"
)
ODDS_AT = re.compile(
    r"(?:@|\bodds\b|\bcuota\b|\bmomio\b|\bcote\b|\bquota\b|\bcotação\b)\s*:?\s*\(?\s*([+-]?)\s?(\d{3,5})\b\)?"
)
ODDS = re.compile(r"\(?\s*(?<![.,])([+-])\s?(\d{3,5})(?![\d]|[.,]\d)\s*\)?")
EVEN = re.compile(r"\((?:even|evens|ev|pk)\)|\b(?:even|evens)\b(?!\s*money\s+line)")
TOTAL = re.compile(
    r"(?<![a-z0-9])(o|ov|over|u|un|under|m[aá]s\s+de|alta|baja|menos\s+de|mais\s+de|plus\s+de|moins\s+de|"
    r"[üu]ber|ueber|unter|sopra|sotto|pi[uù]\s+di|meno\s+di)\s*(" + _NUMBER + r")(?![\d])"
)
PICK_EM = re.compile(r"\b(?:pk|pick\s*'?\s*em|pickem|pk'?em|pick'?um)\b")
SPREAD = re.compile(r"(?<![\d.,])([+-])\s?(\d{1,2}(?:[.,]\d{1,2})?)(?![\d])")
MONEYLINE = re.compile(
    r"\b(?:ml|moneyline|money\s*line|m/l|straight\s+up|to\s+win|h2h|gana|ganador|a\s+ganar|gagnant|"
    r"vit[oó]ria|sieg|vincente)\b"
)
PARLAY = re.compile(
    r"\b(?:parlay|parlays|parley|parlei|combinada|combinado|combi|acca|accumulator|m[uú]ltipla|combin[ée]|"
    r"kombi|multipla|sgp|\d+\s*-?\s*(?:leg|legs|team|man|pick)\s*(?:parlay|parley)?)\b"
)
EACH = re.compile(r"\b(?:each|a\s+piece|apiece|cada\s+un[oa]|cada\s+una|cada|chacun|jeweils|ciascuno)\b")
# Periods, team totals, props, teasers and other markets the betting app does not hold: never guessed.
UNSUPPORTED = re.compile(
    r"\b(?:1h|2h|1q|2q|3q|4q|1p|2p|3p|f5|first\s+half|1st\s+half|2nd\s+half|second\s+half|first\s+5|"
    r"1st\s+(?:quarter|period|inning)|primera\s+mitad|medio\s+tiempo|tt|team\s+total|teaser|btts|"
    r"reb|rebounds|ast|assists|pra|yds|yards|tds?|touchdowns?|sog|shots|strikeouts|ks|hits|"
    r"anytime|scorer|goleador|corners|tarjetas|draw|empate|tie|x2|1x|double\s+chance|dnb|"
    r"alt\s+line|alternate|props?|o/u|over/under)\b"
)
_UNDER_WORD = re.compile(r"(?:u|un|under|baja|menos|moins|unter|sotto|meno)(?:\s|$)")
BARE_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}[.,]\d(?![\d])")


@dataclass
class PartReading:
    """What the grammar read in one part of a message; positions index the part's text."""

    text: str
    rest: str = ""
    odds: list[tuple[int, int]] = field(default_factory=list)
    spreads: list[tuple[int, Decimal]] = field(default_factory=list)
    totals: list[tuple[int, str, Decimal]] = field(default_factory=list)
    moneylines: list[int] = field(default_factory=list)
    units: list[Decimal] = field(default_factory=list)
    money: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    ambiguous_numbers: list[str] = field(default_factory=list)
    is_parlay: bool = False
    is_each: bool = False

    @property
    def market_positions(self) -> list[int]:
        return sorted(
            [position for position, _ in self.spreads]
            + [position for position, _, _ in self.totals]
            + self.moneylines
            + [position for position, _ in self.odds]
        )

    @property
    def has_bet_words(self) -> bool:
        return bool(self.spreads or self.totals or self.moneylines or self.odds)


def decimal_of(text: str) -> Decimal | None:
    """A decimal from "1.5" or "1,5"; None when it is not a number."""
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _odds(reading: PartReading, match: re.Match) -> None:
    value = int(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    if abs(value) >= 100:
        reading.odds.append((match.start(), value))


def _units(reading: PartReading, match: re.Match) -> None:
    value = decimal_of(match.group(1))
    if value is not None and 0 < value <= 100:
        reading.units.append(value)


def _total(reading: PartReading, match: re.Match) -> None:
    value = decimal_of(match.group(2))
    if value is not None:
        selection = Selection.UNDER if _UNDER_WORD.match(match.group(1)) else Selection.OVER
        reading.totals.append((match.start(), selection, value))


def _spread(reading: PartReading, match: re.Match) -> None:
    value = decimal_of(match.group(2))
    if value is not None:
        reading.spreads.append((match.start(), -value if match.group(1) == "-" else value))


def _ignore(reading: PartReading, match: re.Match) -> None:
    return None


# In this order: each step sees the text with the earlier steps' spans blanked ("-110" is odds before
# "-1" could be read as a spread; "2u" is units before "u 9" is read as a total).
_STEPS = (
    (PARLAY, _ignore),
    (TO_WIN, _ignore),
    (RESULT_UNITS, _ignore),
    (MONEY, lambda reading, match: reading.money.append(match.group(0).strip())),
    (UNITS_WORDS, lambda reading, match: reading.units.append(Decimal(_NUMBER_WORDS[match.group(1)]))),
    (UNITS, _units),
    (UNITS_BEFORE, _units),
    (NOISE, _ignore),
    (ODDS_AT, _odds),
    (ODDS, _odds),
    (EVEN, lambda reading, match: reading.odds.append((match.start(), 100))),
    (TOTAL, _total),
    (PICK_EM, lambda reading, match: reading.spreads.append((match.start(), Decimal(0)))),
    (SPREAD, _spread),
    (MONEYLINE, lambda reading, match: reading.moneylines.append(match.start())),
)


def part_read(text: str) -> PartReading:
    """Read one part (a line, or a piece of a line joined by `+` or `/`); `text` is already cleaned."""
    lower = text.lower()
    reading = PartReading(
        text=text,
        is_parlay=bool(PARLAY.search(lower)),
        is_each=bool(EACH.search(lower)),
        unsupported=[match.group(0) for match in UNSUPPORTED.finditer(lower)],
    )
    working = lower
    for pattern, handle in _STEPS:
        matches = list(pattern.finditer(working))
        for match in matches:
            handle(reading, match)
        if matches:
            pieces, last = [], 0
            for match in matches:
                pieces += [working[last : match.start()], " " * (match.end() - match.start())]
                last = match.end()
            working = "".join([*pieces, working[last:]])
    reading.ambiguous_numbers = [match.group(0) for match in BARE_NUMBER.finditer(working)]
    reading.rest = working
    return reading
