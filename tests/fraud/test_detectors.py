"""Each detector on small planted scenarios: the exact findings, and the hard negatives left alone."""

import itertools
import random
from datetime import timedelta
from fractions import Fraction

import numpy as np
import pytest

from apps.betting.choices import LegResult, Market, Selection, SettlementSource
from apps.betting.models import Bet
from apps.betting.odds import implied_probability
from apps.fraud.detectors import (
    bot_activity,
    copy_rings,
    improbable_record,
    late_posting,
    opposite_side_rings,
    outliers,
    settlement_abuse,
)
from apps.fraud.detectors.base import implied_probabilities, poisson_binomial_tail
from tests.fraud.helpers import outcomes

pytestmark = pytest.mark.django_db


# ---- statistics -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("odds", [-1500, -110, 100, 150, 2000])
def test_vectorized_implied_probability_matches_the_betting_odds_maths(odds):
    decimal_odds = np.array([1 + (odds / 100 if odds > 0 else 100 / -odds)])

    assert implied_probabilities(decimal_odds)[0] == pytest.approx(float(implied_probability(odds)), abs=1e-12)


def test_poisson_binomial_tail_is_exact_for_small_samples():
    probabilities = [Fraction(1, 2), Fraction(1, 3), Fraction(3, 4), Fraction(2, 5)]
    exact = sum(
        np.prod([p if won else 1 - p for p, won in zip(probabilities, outcome, strict=True)])
        for outcome in itertools.product([True, False], repeat=4)
        if sum(outcome) >= 3
    )

    assert poisson_binomial_tail(3, np.array([float(p) for p in probabilities])) == pytest.approx(float(exact))


def test_poisson_binomial_tail_uses_the_normal_approximation_for_large_samples():
    tail = poisson_binomial_tail(560, np.full(1000, 0.5))

    assert tail == pytest.approx(0.0000825, rel=0.05)  # binomial(1000, 0.5) >= 560


# ---- late posting -----------------------------------------------------------------------------------------


def test_late_posting_flags_a_capper_who_posts_after_kick_off_and_wins(make_capper, make_game, make_bet):
    cheat, live, lucky = make_capper("cheat"), make_capper("live"), make_capper("lucky")
    cheat_late = [make_bet(cheat, make_game(), won=won, minutes=30) for won in outcomes(14, 15)]
    for won in outcomes(5, 10):
        make_bet(cheat, make_game(), won=won, minutes=-120)
    for won in outcomes(16, 30, seed=1):  # an honest live bettor: many late bets, fair results
        make_bet(live, make_game(), won=won, minutes=45)
    for won in outcomes(9, 10, seed=2):  # lucky before kick-off is not late posting
        make_bet(lucky, make_game(), won=won, minutes=-30)

    findings = late_posting.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [(cheat.pk,)]
    evidence = findings[0].evidence
    assert (evidence["late_bets"], evidence["late_wins"], evidence["pre_game_bets"]) == (15, 14, 10)
    assert evidence["pre_game_win_rate"] == 0.5
    assert evidence["cappers_tested"] == 2
    assert evidence["p_value"] < evidence["threshold"]
    assert sorted(evidence["bet_ids"]) == sorted(bet.pk for bet in cheat_late)
    assert findings[0].explanation.startswith("Won 14 of 15 bets posted after kick-off")


def test_late_posting_is_as_strict_for_one_capper_as_for_a_whole_scan(make_capper, make_game, make_bet):
    capper = make_capper("streaky")
    for won in outcomes(9, 9):
        make_bet(capper, make_game(), won=won, minutes=20)

    assert late_posting.detect(Bet.objects.all())  # alone: p = 0.003 against 0.01 / 1 tested
    assert late_posting.detect(Bet.objects.all(), family_size=500) == []


# ---- improbable records ----------------------------------------------------------------------------------


def test_improbable_record_flags_wins_beyond_the_odds_and_spares_lucky_and_sharp_cappers(
    make_capper, make_game, make_bet
):
    cheat, lucky, sharp = make_capper("cheat"), make_capper("lucky"), make_capper("sharp")
    for won in outcomes(34, 40):
        make_bet(cheat, make_game(), won=won)
    for won in outcomes(15, 20, seed=1):  # 75% over twenty bets: a streak, not evidence
        make_bet(lucky, make_game(), won=won)
    for won in outcomes(171, 300, seed=2):  # 57% at -110 over 300 bets: a real edge, not fraud
        make_bet(sharp, make_game(), won=won)
    for won in outcomes(20, 20):  # late and hand-settled wins are other detectors' business
        make_bet(lucky, make_game(), won=won, minutes=30)
        make_bet(sharp, make_game(), won=won, source=SettlementSource.API, settled_by="sharp")

    findings = improbable_record.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [(cheat.pk,)]
    evidence = findings[0].evidence
    assert (evidence["bets"], evidence["wins"], evidence["cappers_tested"]) == (40, 34, 3)
    assert evidence["expected_wins"] == pytest.approx(40 * 110 / 210, abs=0.01)
    assert evidence["test"] == "exact Poisson-binomial"
    assert evidence["p_value"] < evidence["threshold"] == pytest.approx(0.01 / 3)


# ---- settlement abuse ----------------------------------------------------------------------------------------


def test_settlement_abuse_flags_repeated_hand_settlements_in_the_cappers_favour(make_capper, make_game, make_bet):
    cheat, slip, honest = make_capper("cheat"), make_capper("slip"), make_capper("honest")
    lost_game = make_game(home_score=90, away_score=100)  # home lost
    upcoming = make_game(days_ago=-1, home_score=None, away_score=None)
    contradicted = make_bet(cheat, lost_game, won=True, source=SettlementSource.API, settled_by="friend")
    early = make_bet(cheat, upcoming, won=True, minutes=-120, source=SettlementSource.API, settled_by="friend",
                     graded_at=upcoming.starts_at - timedelta(minutes=60))  # fmt: skip
    make_bet(slip, make_game(home_score=90, away_score=100), won=True, source=SettlementSource.API, settled_by="slip")
    for _ in range(5):  # honest hand settlements that agree with the score, by the capper
        make_bet(honest, make_game(), won=True, source=SettlementSource.API, settled_by=honest.member.discord_user_id)
    make_bet(honest, make_game(), won=False, source=SettlementSource.API, settled_by="honest")  # against themselves

    findings = settlement_abuse.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [(cheat.pk,)]
    evidence = findings[0].evidence
    assert evidence["contradicted_in_favour"] == 1
    assert evidence["settled_before_game_ended"] == 1
    assert evidence["settled_by_another_user"] == 2
    assert evidence["settled_by"] == ["friend"]
    assert [(leg["issue"], leg["bet_id"]) for leg in evidence["legs"]] == [
        ("contradicts_final_score", contradicted.pk),
        ("settled_before_game_ended", early.pk),
    ]
    assert evidence["legs"][0]["settled_as"] == LegResult.WON and evidence["legs"][0]["score_says"] == LegResult.LOST
    assert evidence["legs"][0]["final_score"] == "90-100"


# ---- rings --------------------------------------------------------------------------------------------------


def test_opposite_side_ring_found_across_tenants_with_its_games(make_capper, make_game, make_bet, other_tenant):
    first, second = make_capper("first"), make_capper("second", tenant=other_tenant)
    friend_a, friend_b = make_capper("friend_a"), make_capper("friend_b")
    games = [make_game() for _ in range(5)]
    for game in games:
        make_bet(first, game, selection=Selection.HOME, minutes=-60)
        make_bet(second, game, selection=Selection.AWAY, won=False, minutes=-57)
    for index in range(5):  # friends meet on opposite sides once within minutes; otherwise apart
        game = make_game()
        make_bet(friend_a, game, selection=Selection.HOME, minutes=-60)
        make_bet(friend_b, game, selection=Selection.AWAY, won=False, minutes=-58 if index == 0 else -300)

    findings = opposite_side_rings.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [tuple(sorted((first.pk, second.pk)))]
    evidence = findings[0].evidence
    assert evidence["meetings"] == 5
    assert sorted(evidence["tenant_ids"]) == sorted([first.tenant_id, second.tenant_id])
    assert sorted(game["game"] for game in evidence["games"]) == sorted(game.external_id for game in games)
    assert evidence["pairs"] == [{"cappers": sorted([first.pk, second.pk]), "games_met": 5, "games_shared": 5}]
    assert "across tenants" in findings[0].explanation


def test_copy_ring_found_and_friends_on_the_same_favourite_are_not(make_capper, make_game, make_bet):
    leader, copier, copier_2 = make_capper("leader"), make_capper("copier"), make_capper("copier_2")
    friend_a, friend_b = make_capper("friend_a"), make_capper("friend_b")
    for _ in range(5):
        game = make_game()
        moment = game.starts_at - timedelta(hours=2)
        make_bet(leader, game, placed_at=moment)
        make_bet(copier, game, placed_at=moment + timedelta(seconds=8))
        make_bet(copier_2, game, placed_at=moment + timedelta(seconds=30))
        make_bet(friend_a, game, minutes=-300)  # the same favourite, hours apart
        make_bet(friend_b, game, minutes=-90)
    for _ in range(6):  # and their own picks
        make_bet(friend_a, make_game(), selection=Selection.AWAY, won=False)

    findings = copy_rings.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [tuple(sorted((leader.pk, copier.pk, copier_2.pk)))]
    assert findings[0].evidence["meetings"] == 15  # three pairs on five games
    assert opposite_side_rings.detect(Bet.objects.all()) == []


# ---- bots ------------------------------------------------------------------------------------------------------


def test_bot_activity_regular_intervals_and_bursts_but_not_a_human(make_capper, make_game, make_bet):
    scheduler, burster, human = make_capper("scheduler"), make_capper("burster"), make_capper("human")
    game = make_game(days_ago=-3, home_score=None, away_score=None)  # a future game: pending bets
    rng = random.Random(3)
    start = game.starts_at - timedelta(days=4)
    for step in range(40):
        make_bet(
            scheduler, game, won=None, placed_at=start + timedelta(minutes=20 * step, seconds=rng.uniform(-10, 10))
        )
    for burst in range(3):
        for step in range(5):
            make_bet(burster, game, won=None, placed_at=start + timedelta(hours=5 * burst, seconds=step))
    moment = start
    for _ in range(40):  # a person: irregular gaps, long pauses
        moment += timedelta(minutes=rng.expovariate(1 / 60))
        make_bet(human, game, won=None, placed_at=moment)

    findings = {finding.capper_ids[0]: finding for finding in bot_activity.detect(Bet.objects.all())}

    assert set(findings) == {scheduler.pk, burster.pk}
    assert findings[scheduler.pk].evidence["interval_cv"] < 0.05
    assert findings[scheduler.pk].evidence["median_interval_seconds"] == pytest.approx(1200, abs=25)
    assert findings[burster.pk].evidence["bursts"] == 3
    assert findings[scheduler.pk].explanation.startswith("Posting intervals with a coefficient of variation of 0.0")


# ---- outliers -----------------------------------------------------------------------------------------------------


def test_outlier_isolates_a_record_padder_and_names_what_stands_out(make_capper, make_game, make_bet):
    rng = random.Random(5)
    games = [make_game() for _ in range(25)]
    ordinary = []
    for number in range(24):
        capper = make_capper(f"ordinary{number}")
        ordinary.append(capper)
        for game in games[:21]:
            odds = rng.choice((-120, -110, -110, -105, 100, 120, 150))
            make_bet(capper, game, odds=odds, won=rng.random() < 0.48, stake=rng.choice(("1.00", "1.00", "2.00")))
    padder = make_capper("padder")
    for game in games[:21]:
        make_bet(padder, game, odds=-1200, won=rng.random() < 0.9, stake="10.00")

    findings = outliers.detect(Bet.objects.all())

    assert [finding.capper_ids for finding in findings] == [(padder.pk,)]
    standouts = {item["feature"] for item in findings[0].evidence["standouts"][:2]}
    assert standouts == {"mean_implied_probability", "log_stake_vs_tenant"}
    assert findings[0].evidence["cappers_compared"] == 25
    assert outliers.detect(Bet.objects.all(), exclude_capper_ids=frozenset({padder.pk})) == []


def test_detectors_find_nothing_in_no_bets(db):
    bets = Bet.objects.none()
    for detect in (late_posting.detect, improbable_record.detect, settlement_abuse.detect, bot_activity.detect,
                   copy_rings.detect, opposite_side_rings.detect, outliers.detect):  # fmt: skip
        assert detect(bets) == []


def test_unused_markets_are_not_paired(make_capper, make_game, make_bet):
    first, second = make_capper("first"), make_capper("second")
    for _ in range(5):
        game = make_game()
        make_bet(first, game, market=Market.PROP, selection="first basket")
        make_bet(second, game, market=Market.PROP, selection="first basket", minutes=-59)

    assert copy_rings.detect(Bet.objects.all()) == []
