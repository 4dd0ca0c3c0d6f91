"""Capper skill: the empirical-Bayes estimate (intervals, labels), its trainer on graded legs against the raw
record, and GET /api/v1/tenants/{guild_id}/cappers/{id}/skill/."""

import numpy as np
import pytest

from apps.betting.services import capper_create
from apps.ml.predictive import capper_skill
from apps.ml.predictive.common import paired_difference
from apps.ml.training import TrainingFailed
from tests.ml.predictive.helpers import place_simulated_legs, recording_progress

PRIOR = {"prior_mean": -0.02, "prior_variance": 0.0004, "prior_mean_variance": 0.0}
P = 110 / 210  # break-even probability of -110


def record(legs: int, win_rate: float) -> tuple[int, int, float, float]:
    return legs, round(legs * win_rate), legs * P, legs * P * (1 - P)


def test_credible_intervals_widen_with_less_data():
    rows = [record(n, 0.56) for n in (2000, 500, 100, 30, 5, 0)]
    estimates = capper_skill.posterior(PRIOR, *zip(*rows, strict=True))
    widths = [high - low for low, high in (row["interval"] for row in estimates)]
    assert widths == sorted(widths) and len(set(widths)) == len(widths)
    # and the estimate moves from the record toward the prior mean as data thin out
    shrink = [(row["raw_edge"] - row["edge"]) / (row["raw_edge"] - PRIOR["prior_mean"]) for row in estimates[:-1]]
    assert shrink == sorted(shrink)
    assert estimates[-1]["edge"] == PRIOR["prior_mean"] and estimates[-1]["raw_edge"] is None


def test_the_label_rule():
    sharp, coin, short = (record(*args) for args in ((3000, 0.60), (3000, 0.52), (29, 0.9)))
    labels = [row["label"] for row in capper_skill.posterior(PRIOR, *zip(sharp, coin, short, strict=True))]
    assert labels == ["skill", "luck", "not enough data"]
    skilled = capper_skill.posterior(PRIOR, *zip(sharp, strict=True))[0]
    assert skilled["interval"][0] > 0 and skilled["probability_positive"] >= 0.95


def test_the_prior_is_fitted_across_cappers_and_floored():
    rows = [record(400, rate) for rate in (0.50, 0.52, 0.53, 0.55, 0.60)]
    prior = capper_skill.fit_prior(*zip(*rows, strict=True))
    assert prior["prior_variance"] >= capper_skill.TAU2_FLOOR and prior["cappers"] == 5
    raw = [(wins - expected) / legs for legs, wins, expected, _ in rows]
    assert min(raw) < prior["prior_mean"] < max(raw)
    with pytest.raises(TrainingFailed):
        capper_skill.fit_prior([10], [5], [5.0], [2.5])


@pytest.mark.django_db
def test_too_few_cappers_fail_with_a_clear_message(tenant, actor):
    place_simulated_legs(tenant, actor, legs=12, cappers=2, seed=5)
    with pytest.raises(TrainingFailed, match="cappers"):
        capper_skill.train({}, recording_progress()[1])


@pytest.mark.django_db
def test_training_compares_the_shrunk_estimate_with_the_raw_record_on_the_later_period(tenant, actor):
    place_simulated_legs(tenant, actor, legs=160, cappers=6, seed=4)
    result = capper_skill.train({"min_cappers": 3, "min_eval_legs": 3}, recording_progress()[1])
    assert set(result.metrics) == set(result.baseline_metrics) == {"mse", "weighted_mse", "mean_abs_error"}
    difference = result.report["squared_error_difference"]
    assert difference["mean"] == pytest.approx(result.metrics["mse"] - result.baseline_metrics["mse"], abs=1e-6)
    better = difference["mean"] + 2 * difference["standard_error"] < 0
    worse = difference["mean"] - 2 * difference["standard_error"] > 0
    phrase = "better than" if better else "worse than" if worse else "is not distinguishable from"
    assert phrase in result.report["verdict"]
    assert result.train_rows + result.test_rows == 160 and result.test_rows == 64
    assert set(result.estimator) >= {"prior_mean", "prior_variance", "min_legs"}
    assert sum(result.report["labels"].values()) == 6
    assert len(result.reference_features) == 6 and result.feature_names == ["legs", "wins", "expected_wins"]


def test_paired_difference():
    mean, stderr = paired_difference(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]))
    assert mean == pytest.approx(1.0) and stderr == pytest.approx(1 / np.sqrt(3))


@pytest.mark.django_db
def test_the_skill_endpoint(tenant, actor, make_key, client_with_key):
    _sim, cappers, _legs = place_simulated_legs(tenant, actor, legs=80, cappers=3, seed=6)
    _, secret = make_key(["bets:read"], tenant=tenant)
    client = client_with_key(secret)
    busiest = max(cappers, key=lambda capper: capper.bets.count())
    url = f"/api/v1/tenants/{tenant.guild_id}/cappers/{busiest.member.discord_user_id}/skill/"
    body = client.get(url).json()
    assert body["discord_user_id"] == busiest.member.discord_user_id
    assert body["legs"] == busiest.bets.count()
    assert body["interval"][0] <= body["edge"] <= body["interval"][1]
    assert body["prior"]["source"] == "tenant" and body["prior"]["model_version"] is None
    assert body["label"] == ("not enough data" if body["legs"] < 30 else body["label"])
    assert body["label"] in {"skill", "luck", "not enough data"} and "credible interval" in body["label_rule"]

    newcomer = capper_create(tenant=tenant, actor=actor, discord_user_id="599999999999999999", username="new")
    fresh = client.get(f"/api/v1/tenants/{tenant.guild_id}/cappers/{newcomer.member.discord_user_id}/skill/").json()
    assert (fresh["legs"], fresh["label"], fresh["raw_edge"]) == (0, "not enough data", None)
    assert fresh["edge"] == pytest.approx(body["prior"]["mean"], abs=1e-5)

    missing = client.get(f"/api/v1/tenants/{tenant.guild_id}/cappers/123456789012345678/skill/")
    assert missing.status_code == 404 and missing.json()["code"] == "capper_not_found"
