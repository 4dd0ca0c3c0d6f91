"""The labelled set (labelled_bets.yaml) and how a parse is scored against it, per field and in full.

Used by tests/ml/nlp/test_labelled_set.py and by bench/ml_parser.py."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from apps.betting.models import Game

LABELLED_SET = Path(__file__).with_name("labelled_bets.yaml")
MARKETS = {
    "ml": ("moneyline", None),
    "spread": ("spread", None),
    "over": ("total", "over"),
    "under": ("total", "under"),
}
FIELDS = ("team", "market", "selection", "line", "odds", "units", "unparsed")


def labelled_messages() -> list[dict]:
    return yaml.safe_load(LABELLED_SET.read_text())


def _number(value) -> Decimal | None:
    return None if value in (None, "-") else Decimal(str(value))


def expected_legs(item: dict, games: dict[str, Game]) -> list[list[dict]]:
    """Each expected bet as a list of legs {team, market, selection, line, odds}; home/away from the schedule."""
    bets = []
    for bet in item["b"]:
        legs = []
        for text in bet["l"]:
            team, market_code, line, odds = (piece.strip() for piece in text.split("|"))
            market, selection = MARKETS[market_code]
            if selection is None:
                game = games.get(team)
                selection = None if game is None else "home" if game.home_team.name == team else "away"
            legs.append(
                {"team": team, "market": market, "selection": selection, "line": _number(line), "odds": _number(odds)}
            )
        bets.append(legs)
    return bets


@dataclass
class Score:
    """Counts per field over the legs (bets for units, messages for unparsed) and fully correct messages."""

    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    messages: int = 0
    fully_correct: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        return self.correct[name] / self.total[name] if self.total[name] else 1.0

    @property
    def full_accuracy(self) -> float:
        return self.fully_correct / self.messages if self.messages else 0.0


def score_message(score: Score, item: dict, result: dict, games: dict[str, Game]) -> bool:
    """Add one message's comparison to `score`; True when every bet, leg, field and the unparsed flag match.

    Legs are compared in order (a message lists them in order); a missing or extra bet or leg counts as
    wrong for every field of it."""
    expected = expected_legs(item, games)
    got_bets = result["bets"]
    is_full = len(expected) == len(got_bets)
    for index, legs in enumerate(expected):
        got = got_bets[index] if index < len(got_bets) else {"legs": [], "stake_units": None}
        want_units = _number(item["b"][index].get("u"))
        ok = _number(got["stake_units"]) == want_units
        _count(score, "units", ok)
        is_full &= ok and len(got["legs"]) == len(legs)
        for leg_index, leg in enumerate(legs):
            got_leg = got["legs"][leg_index] if leg_index < len(got["legs"]) else {}
            comparisons = {
                "team": got_leg.get("team") == leg["team"],
                "market": got_leg.get("market") == leg["market"],
                "selection": got_leg.get("selection") == leg["selection"],
                "line": _number(got_leg.get("line")) == leg["line"],
                "odds": _number(got_leg.get("american_odds")) == leg["odds"],
            }
            for name, ok in comparisons.items():
                _count(score, name, ok)
            is_full &= all(comparisons.values())
    is_unparsed_right = bool(result["unparsed"]) == bool(item.get("x", False))
    _count(score, "unparsed", is_unparsed_right)
    is_full &= is_unparsed_right
    score.messages += 1
    score.fully_correct += is_full
    if not is_full:
        score.failures.append((item["t"], _summary(result)))
    return is_full


def _count(score: Score, name: str, ok: bool) -> None:
    score.total[name] += 1
    score.correct[name] += ok


def _summary(result: dict) -> str:
    bets = [
        (bet["stake_units"], [(leg["team"], leg["market"], leg["line"], leg["american_odds"]) for leg in bet["legs"]])
        for bet in result["bets"]
    ]
    return f"bets={bets} unparsed={[item['text'] for item in result['unparsed']]}"
