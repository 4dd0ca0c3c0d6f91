"""Property tests of the odds maths (apps/betting/odds.py): pure functions, no database."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from apps.betting.choices import LegResult
from apps.betting.odds import (
    InvalidOdds,
    american_to_decimal,
    combined_result,
    decimal_to_american,
    implied_probability,
    net_units,
    parlay_decimal,
    profit_if_won,
    validate_american,
)

# The API accepts |odds| up to 1,000,000; books quote far less, the maths must hold on all of it.
POSITIVE = st.integers(min_value=100, max_value=1_000_000)
NEGATIVE = st.integers(min_value=-1_000_000, max_value=-100)
ODDS = st.one_of(POSITIVE, NEGATIVE)
STAKES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)
GRADED = st.sampled_from([LegResult.WON, LegResult.LOST, LegResult.PUSH, LegResult.VOID])
DROPPED = st.sampled_from([LegResult.PUSH, LegResult.VOID])


def exact_decimal(odds: int) -> Fraction:
    """Decimal odds as an exact fraction: the reference the Decimal maths is checked against."""
    return 1 + (Fraction(odds, 100) if odds > 0 else Fraction(100, -odds))


def exact_units(value: Fraction) -> Decimal:
    """Round an exact value to the ledger's 4 places, half to even (round() on a Fraction is exact)."""
    return Decimal(f"{round(value * 10_000)}E-4")


@given(odds=ODDS)
@example(odds=-100)
@example(odds=100)
@example(odds=-110)
@example(odds=-999_999)
def test_american_to_decimal_and_back_returns_the_same_odds(odds):
    back = decimal_to_american(american_to_decimal(odds))

    assert back == (100 if odds == -100 else odds)  # even money is written +100


@pytest.mark.parametrize(
    ("odds", "decimal_odds"),
    [(100, Decimal(2)), (-100, Decimal(2)), (150, Decimal("2.5")), (-200, Decimal("1.5")), (-125, Decimal("1.8"))],
)
def test_american_to_decimal_of_known_prices(odds, decimal_odds):
    assert american_to_decimal(odds) == decimal_odds


@given(odds=ODDS)
def test_decimal_odds_are_the_exact_ratio_to_28_digits(odds):
    assert abs(Fraction(american_to_decimal(odds)) - exact_decimal(odds)) < Fraction(1, 10**26)


@given(odds=ODDS)
def test_implied_probability_is_strictly_between_zero_and_one(odds):
    probability = implied_probability(odds)

    assert Decimal(0) < probability < Decimal(1)


@given(lower=ODDS, higher=ODDS)
@example(lower=-100, higher=100)
@example(lower=-101, higher=100)
def test_implied_probability_decreases_as_the_price_rises(lower, higher):
    if lower > higher:
        lower, higher = higher, lower
    if (lower, higher) in {(-100, 100)} or lower == higher:
        assert implied_probability(lower) == implied_probability(higher)  # -100 and +100 are one price
    else:
        assert implied_probability(lower) > implied_probability(higher)


@given(stake=STAKES, odds=POSITIVE)
def test_a_win_at_positive_odds_pays_stake_times_odds_over_100(stake, odds):
    assert profit_if_won(stake, odds) == exact_units(Fraction(stake) * odds / 100)
    assert net_units(stake, [(odds, LegResult.WON)]) == profit_if_won(stake, odds)


@given(stake=STAKES, odds=NEGATIVE)
@example(stake=Decimal("0.03"), odds=-60_000)  # exactly 0.00005: half to even is 0.0000
def test_a_win_at_negative_odds_pays_stake_times_100_over_the_odds(stake, odds):
    assert profit_if_won(stake, odds) == exact_units(Fraction(stake) * 100 / -odds)
    assert net_units(stake, [(odds, LegResult.WON)]) == profit_if_won(stake, odds)


@pytest.mark.parametrize(
    ("stake", "odds", "profit"),
    [("1.00", 150, "1.5000"), ("2.00", -110, "1.8182"), ("5.00", -200, "2.5000"), ("1.00", 100, "1.0000")],
)
def test_profit_of_known_wins(stake, odds, profit):
    assert profit_if_won(Decimal(stake), odds) == Decimal(profit)


@given(stake=STAKES, odds=ODDS)
def test_a_loss_costs_the_stake(stake, odds):
    assert net_units(stake, [(odds, LegResult.LOST)]) == -stake


@given(stake=STAKES, odds=ODDS, result=DROPPED)
def test_a_push_or_void_pays_nothing(stake, odds, result):
    assert net_units(stake, [(odds, result)]) == Decimal("0.0000")


@given(legs=st.lists(ODDS, min_size=1, max_size=12))
def test_parlay_decimal_is_the_product_of_the_legs_decimals(legs):
    exact = Fraction(1)
    for odds in legs:
        exact *= exact_decimal(odds)

    assert abs(Fraction(parlay_decimal(legs)) - exact) / exact < Fraction(1, 10**24)


@given(stake=STAKES, legs=st.lists(ODDS, min_size=2, max_size=12))
def test_a_won_parlay_pays_stake_times_the_product_minus_one(stake, legs):
    exact = Fraction(1)
    for odds in legs:
        exact *= exact_decimal(odds)

    assert net_units(stake, [(odds, LegResult.WON) for odds in legs]) == exact_units(Fraction(stake) * (exact - 1))


@given(
    stake=STAKES,
    won=st.lists(ODDS, min_size=1, max_size=6),
    dropped=st.lists(st.tuples(ODDS, DROPPED), min_size=1, max_size=6),
    data=st.data(),
)
def test_push_and_void_legs_drop_out_of_a_parlay(stake, won, dropped, data):
    won_legs = [(odds, LegResult.WON) for odds in won]
    mixed = data.draw(st.permutations(won_legs + dropped))

    assert combined_result(result for _, result in mixed) == LegResult.WON
    assert net_units(stake, mixed) == net_units(stake, won_legs)


@given(stake=STAKES, legs=st.lists(st.tuples(ODDS, DROPPED), min_size=1, max_size=12))
def test_a_parlay_of_pushes_and_voids_with_a_push_is_a_push(stake, legs):
    legs = [*legs, (legs[0][0], LegResult.PUSH)]

    assert combined_result(result for _, result in legs) == LegResult.PUSH
    assert net_units(stake, legs) == Decimal("0.0000")


@given(stake=STAKES, legs=st.lists(ODDS, min_size=1, max_size=12))
def test_a_parlay_whose_legs_all_void_is_void(stake, legs):
    pairs = [(odds, LegResult.VOID) for odds in legs]

    assert combined_result(result for _, result in pairs) == LegResult.VOID
    assert net_units(stake, pairs) == Decimal("0.0000")


@given(stake=STAKES, others=st.lists(st.tuples(ODDS, GRADED), max_size=11), lost=ODDS, data=st.data())
def test_any_lost_leg_loses_the_parlay(stake, others, lost, data):
    legs = data.draw(st.permutations([*others, (lost, LegResult.LOST)]))

    assert combined_result(result for _, result in legs) == LegResult.LOST
    assert net_units(stake, legs) == -stake


@given(others=st.lists(st.sampled_from(list(LegResult)), max_size=11), data=st.data())
def test_a_pending_leg_keeps_the_parlay_pending_unless_a_leg_lost(others, data):
    results = data.draw(st.permutations([*others, LegResult.PENDING]))

    expected = LegResult.LOST if LegResult.LOST in results else LegResult.PENDING
    assert combined_result(results) == expected


def test_a_bet_with_a_pending_leg_has_no_net_result():
    with pytest.raises(ValueError, match="pending legs"):
        net_units(Decimal(1), [(110, LegResult.WON), (-110, LegResult.PENDING)])


@given(
    odds=st.one_of(
        st.integers(min_value=-99, max_value=99),
        st.booleans(),
        st.floats(allow_nan=True),
        st.decimals(allow_nan=False),
        st.text(max_size=5),
        st.none(),
        st.just(150.0),
        st.just("150"),
        st.just(Decimal(150)),
    )
)
@example(odds=0)
@example(odds=True)
@example(odds=-99)
@example(odds=99)
def test_invalid_odds_raise(odds):
    with pytest.raises(InvalidOdds):
        validate_american(odds)
    with pytest.raises(InvalidOdds):
        american_to_decimal(odds)


@pytest.mark.parametrize("decimal_odds", [Decimal(1), Decimal("0.5"), Decimal(0), Decimal(-2)])
def test_decimal_odds_not_above_one_raise(decimal_odds):
    with pytest.raises(InvalidOdds):
        decimal_to_american(decimal_odds)
