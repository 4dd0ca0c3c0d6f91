"""The leg model's features: a leg sees only results graded before its placement (no leakage), and the
time split keeps every test leg later than every train leg."""

import numpy as np
import pytest

from apps.ml.predictive import leg_features as lf
from apps.ml.predictive.common import fingerprint, time_split
from apps.ml.training import TrainingFailed


def columns(rows):
    """rows: (capper, placed, graded, odds, won) -> LegColumns on one league, moneylines."""
    capper, placed, graded, odds, won = (np.array(values) for values in zip(*rows, strict=True))
    n = len(rows)
    return lf.LegColumns(
        leg_id=np.arange(1, n + 1), capper=capper, placed=placed.astype(np.int64), graded=graded.astype(np.int64),
        odds=odds, market=np.zeros(n, dtype=np.int64), line=np.full(n, np.nan), won=won,
        league_key=np.array(["nba"] * n, dtype=object), starts=placed + 3600.0,
    )  # fmt: skip


def test_a_leg_placed_before_a_result_is_graded_cannot_see_it():
    legs = columns(
        [
            (1, 1000, 5000, -110, 1),  # capper 1 wins, graded at 5000
            (1, 2000, 3000, -110, 0),  # placed while leg 1 is pending; graded at 3000 (a loss)
            (1, 4000, 9000, -110, 1),  # sees leg 2 (graded 3000) but not leg 1 (graded 5000)
            (1, 5000, 9000, -110, 1),  # graded exactly at its placement: leg 1 is NOT visible (strictly before)
            (1, 6000, 9000, -110, 1),  # sees legs 1 and 2
            (2, 7000, 9000, -110, 0),  # another capper: sees nothing of capper 1's
        ]
    )
    features = lf.training_features(legs, shrinkage=10)
    history = np.expm1(features[:, lf.FEATURE_NAMES.index("capper_history_legs_log")]).round()
    assert history.tolist() == [0, 0, 1, 1, 2, 0]
    rate = features[:, lf.FEATURE_NAMES.index("capper_shrunk_win_rate")]
    league = features[:, lf.FEATURE_NAMES.index("league_win_rate")]
    # leg 3 saw one loss: (0 + 10 * league mean) / (1 + 10), the league mean also known at 4000 only
    assert rate[2] == pytest.approx(10 * league[2] / 11)
    # leg 5 saw a win and a loss
    assert rate[4] == pytest.approx((1 + 10 * league[4]) / 12)
    # nobody's history can contain a later result: flipping the last legs' outcomes changes no feature
    flipped = columns([(c, p, g, o, 1 - w if p >= 6000 else w) for c, p, g, o, w in
                       [(1, 1000, 5000, -110, 1), (1, 2000, 3000, -110, 0), (1, 4000, 9000, -110, 1),
                        (1, 5000, 9000, -110, 1), (1, 6000, 9000, -110, 1), (2, 7000, 9000, -110, 0)]])  # fmt: skip
    assert np.allclose(lf.training_features(flipped, shrinkage=10), features, equal_nan=True)


def test_shrinkage_pulls_a_short_record_to_the_league_mean():
    rate, edge = lf.shrunk_history(
        legs=np.array([2.0, 2000.0]), wins=np.array([2.0, 1200.0]), expected=np.array([1.0, 1000.0]),
        prior_rate=np.array([0.5, 0.5]), shrinkage=50,
    )  # fmt: skip
    assert rate[0] == pytest.approx(27 / 52)  # 2 of 2 barely moves it
    assert rate[1] == pytest.approx(1225 / 2050)  # 60% over 2000 legs mostly stands
    assert edge.tolist() == pytest.approx([1 / 52, 200 / 2050])


def test_implied_probability_matches_the_odds_maths():
    assert lf.implied_probability(np.array([-110, 100, 150, -400])).tolist() == pytest.approx(
        [110 / 210, 0.5, 0.4, 0.8]
    )


def test_time_split_puts_every_tied_row_in_the_test_part():
    times = np.array([1, 2, 3, 4, 4, 4, 5, 6, 7, 8])
    cut = time_split(times, test_fraction=0.6)
    assert cut == 3 and times[:cut].max() < times[cut:].min()
    with pytest.raises(TrainingFailed):
        time_split(np.array([1]), test_fraction=0.5)


def test_fingerprint_covers_ids_and_labels():
    assert fingerprint([1, 2], [0, 1]) != fingerprint([1, 2], [1, 1])
    assert fingerprint([1, 2], [0, 1]) == fingerprint(np.array([1, 2]), np.array([0, 1]))
    assert len(fingerprint([], [])) == 64
