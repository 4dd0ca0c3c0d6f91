"""The leg win-probability trainer on graded legs in PostgreSQL: the time split, calibration on the latest
train legs, both sets of figures, a verdict that follows them, and the registry round trip."""

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV

from apps.betting.models import BetLeg
from apps.ml.predictive import leg_win_probability as leg_model
from apps.ml.predictive.common import fingerprint
from apps.ml.registry.services import model_load, model_version_create
from apps.ml.training import TrainingFailed, model_kind_get
from tests.ml.predictive.helpers import place_simulated_legs, recording_progress

pytestmark = pytest.mark.django_db
PARAMS = {"min_legs": 100, "max_iter": 30, "importance_rows": 500}


def test_too_few_graded_legs_fail_with_a_clear_message():
    calls, progress = recording_progress()
    with pytest.raises(TrainingFailed, match="No graded"):
        leg_model.train({}, progress)


def test_training_on_graded_legs(tenant, actor):
    sim, _cappers, legs = place_simulated_legs(tenant, actor, legs=200, cappers=6, seed=3)
    calls, progress = recording_progress()
    result = leg_model.train(PARAMS, progress)

    split = result.report["split"]
    assert split["fit_legs"] + split["calibration_legs"] == result.train_rows
    assert result.test_rows == split["test_legs"] == 40  # the latest 20% by placement
    placed = {leg.pk: leg.bet.placed_at for leg in BetLeg.objects.select_related("bet")}
    by_time = sorted(placed, key=lambda pk: (placed[pk], pk))
    test_ids, train_ids = by_time[-40:], by_time[: result.train_rows + split["purged_train_legs"]]
    assert max(placed[pk] for pk in train_ids) <= min(placed[pk] for pk in test_ids)
    test_from = min(placed[pk] for pk in test_ids).replace(microsecond=0)
    assert split["test_from"] == test_from.isoformat()
    # results graded after the first test placement were unknown at the split: purged from training
    graded = dict(BetLeg.objects.values_list("pk", "graded_at"))
    assert split["purged_train_legs"] == sum(graded[pk] >= test_from for pk in train_ids)
    # the calibrator is fitted on data the booster never saw, never on the test part
    assert isinstance(result.estimator, CalibratedClassifierCV)
    assert result.params["calibration_method"] == "sigmoid"  # fewer than 1,000 calibration legs
    assert split["calibration_legs"] > 0 and split["fit_legs"] > split["calibration_legs"]

    for metrics in (result.metrics, result.baseline_metrics):
        assert set(metrics) == {"brier", "log_loss", "ece", "mean_prediction", "observed_rate"}
        assert 0 < metrics["brier"] < 0.5 and metrics["log_loss"] > 0
    assert result.metrics["observed_rate"] == result.baseline_metrics["observed_rate"]
    for table in result.report["calibration"].values():
        assert sum(n for _, _, n in table) == 40
        assert all(0 <= mean_pred <= 1 and 0 <= observed <= 1 for mean_pred, observed, _ in table)
    difference = result.report["brier_difference"]
    assert difference["mean"] == pytest.approx(result.metrics["brier"] - result.baseline_metrics["brier"], abs=2e-6)
    expected_outcome = (
        "beats" if difference["mean"] + 2 * difference["standard_error"] < 0
        else "loses to" if difference["mean"] - 2 * difference["standard_error"] > 0 else "matches"
    )  # fmt: skip
    assert result.report["outcome"] == expected_outcome
    assert f" {expected_outcome} the baseline" in result.report["verdict"]
    assert {name for name, _ in result.report["feature_importance"]} == set(result.feature_names)

    assert len(result.reference_features) == result.train_rows <= 5000
    assert all(len(row) == len(result.feature_names) for row in result.reference_features)
    assert result.data_fingerprint != fingerprint([], [])
    assert result.data_from <= result.data_to
    assert calls[-1][0] <= 1 and any("Calibrated" in line for _, line in calls)

    # the registry stores it as skops and loads it back; the predictor answers from it
    model_version_create(leg_model.NAME, result, actor=actor, code_version="test")
    _version, estimator = model_load(leg_model.NAME, "challenger")
    predictor = model_kind_get(leg_model.NAME).predictor
    rows = [
        {"american_odds": -110, "market": "spread", "league": "nba", "line": "-3.5", "seconds_before_start": 3600},
        {"american_odds": 250, "market": "moneyline", "capper_legs": 40, "capper_wins": 25,
         "capper_expected_wins": 20.0},
    ]  # fmt: skip
    validated = []
    for row in rows:
        serializer = predictor.input_serializer(data=row)
        assert serializer.is_valid(), serializer.errors
        validated.append(serializer.validated_data)
    out = predictor.predict(estimator, validated)
    assert [row["implied_probability"] for row in out] == pytest.approx([0.5238, 0.2857], abs=1e-4)
    assert all(0 < row["win_probability"] < 1 for row in out)
    assert np.array(predictor.features(validated)).shape == (2, len(result.feature_names))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"american_odds": 50, "market": "spread"}, "american_odds"),
        ({"american_odds": -110, "market": "parlay"}, "market"),
        ({"american_odds": -110, "market": "total", "capper_legs": 3, "capper_wins": 4}, "capper_wins"),
    ],
)
def test_bad_inputs_are_refused_with_the_field(row, field):
    serializer = leg_model.LegInputSerializer(data=row)
    assert not serializer.is_valid()
    assert field in serializer.errors
