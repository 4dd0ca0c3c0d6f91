"""grade_leg: one leg's result from a final score (apps/betting/grading.py), table by table."""

from decimal import Decimal

import pytest

from apps.betting.grading import grade_leg

WON, LOST, PUSH = "won", "lost", "push"


@pytest.mark.parametrize(
    ("selection", "home_score", "away_score", "expected"),
    [
        ("home", 110, 100, WON),
        ("home", 100, 110, LOST),
        ("away", 100, 110, WON),
        ("away", 110, 100, LOST),
        ("home", 2, 2, PUSH),
        ("away", 2, 2, PUSH),
        ("home", 1, 0, WON),
        ("away", 0, 0, PUSH),
    ],
)
def test_moneyline(selection, home_score, away_score, expected):
    result = grade_leg(market="moneyline", selection=selection, line=None, home_score=home_score, away_score=away_score)

    assert result == expected


@pytest.mark.parametrize(
    ("selection", "line", "home_score", "away_score", "expected"),
    [
        # half lines never push
        ("home", "-3.5", 104, 100, WON),
        ("home", "-3.5", 103, 100, LOST),
        ("away", "+3.5", 103, 100, WON),
        ("away", "+3.5", 104, 100, LOST),
        ("home", "+2.5", 100, 102, WON),
        ("home", "+2.5", 100, 103, LOST),
        ("away", "-2.5", 100, 103, WON),
        ("away", "-2.5", 100, 102, LOST),
        # whole lines push on the number
        ("home", "-3", 103, 100, PUSH),
        ("home", "-3", 104, 100, WON),
        ("home", "-3", 102, 100, LOST),
        ("away", "+3", 103, 100, PUSH),
        ("away", "+3", 102, 100, WON),
        ("away", "+3", 104, 100, LOST),
        ("home", "+7", 93, 100, PUSH),
        ("away", "-7", 93, 100, PUSH),
        ("away", "-7", 92, 100, WON),
        # pick'em: the winner covers, a tie pushes
        ("home", "0", 1, 0, WON),
        ("away", "0", 1, 0, LOST),
        ("home", "0", 5, 5, PUSH),
        # quarter of a point still decides
        ("home", "-0.25", 5, 5, LOST),
        ("away", "+0.25", 5, 5, WON),
    ],
)
def test_spread(selection, line, home_score, away_score, expected):
    result = grade_leg(
        market="spread", selection=selection, line=Decimal(line), home_score=home_score, away_score=away_score
    )

    assert result == expected


@pytest.mark.parametrize(
    ("selection", "line", "home_score", "away_score", "expected"),
    [
        ("over", "210.5", 110, 101, WON),
        ("over", "210.5", 110, 100, LOST),
        ("under", "210.5", 110, 100, WON),
        ("under", "210.5", 110, 101, LOST),
        ("over", "210", 110, 100, PUSH),
        ("under", "210", 110, 100, PUSH),
        ("over", "210", 111, 100, WON),
        ("under", "210", 109, 100, WON),
        ("over", "0.5", 0, 0, LOST),
        ("under", "0.5", 0, 0, WON),
    ],
)
def test_total(selection, line, home_score, away_score, expected):
    result = grade_leg(
        market="total", selection=selection, line=Decimal(line), home_score=home_score, away_score=away_score
    )

    assert result == expected


@pytest.mark.parametrize(("home_score", "away_score"), [(110, 100), (0, 0), (3, 7)])
@pytest.mark.parametrize(
    ("selection", "line"), [("LeBron over 25.5 points", Decimal("25.5")), ("first basket: Tatum", None)]
)
def test_props_are_not_graded_from_a_score(selection, line, home_score, away_score):
    result = grade_leg(market="prop", selection=selection, line=line, home_score=home_score, away_score=away_score)

    assert result is None
