"""Leg win probability: gradient boosting (calibrated) on the price, market, league, line, time before start
and the capper's shrunk history, judged against the price alone on a later period (issue #16 section 2).

Time split: legs sorted by placement; the latest `test_fraction` is the test part and is touched once, for
the figures. Train legs whose result was graded after the first test placement are dropped (their
outcome was unknown at the split). The calibrator (isotonic, or sigmoid on small data) is fitted on the
latest `calibration_fraction` of the train part, never on the test part. The baseline is the odds-implied
probability with the bookmaker's margin removed proportionally at the margin of a -110/-110 market
(4.76%); the raw implied probability's figures are in the report too.
"""

from datetime import UTC, datetime

import numpy as np
from django.utils.translation import gettext as _
from rest_framework import serializers
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from apps.betting import selectors as betting_selectors
from apps.betting.choices import Market
from apps.ml.predictive import leg_features as lf
from apps.ml.predictive.common import (
    fingerprint,
    loss_verdict,
    paired_difference,
    probability_metrics,
    reference_sample,
    reliability,
    time_split,
)
from apps.ml.training import Progress, TrainingFailed, TrainingResult, artifact_types_trust, model_kind_register

NAME = "leg_win_probability"
STANDARD_MARGIN = 2 * 110 / 210 - 1  # overround of a -110/-110 market: 4.76%
BASELINE_NAME = "odds-implied probability, margin of a -110/-110 market removed proportionally"
DEFAULTS = {
    "min_legs": 200,
    "test_fraction": 0.2,
    "calibration_fraction": 0.2,
    "max_iter": 100,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
    "shrinkage_legs": lf.DEFAULT_SHRINKAGE_LEGS,
    "importance_rows": 10_000,
    # OpenMP threads of the booster: on a shared machine two spinning threads per process were 30 times slower
    # than one (12,800 legs: 25 s against 0.9 s under load); raise it on a dedicated worker
    "threads": 1,
    "seed": 0,
}


def fair_probability(implied: np.ndarray) -> np.ndarray:
    """The baseline: implied probability divided by 1 + the standard margin."""
    return np.clip(np.asarray(implied, dtype=float) / (1 + STANDARD_MARGIN), 1e-6, 1 - 1e-6)


def _load_columns(progress: Progress) -> lf.LegColumns:
    progress(0.02, "Reading graded legs through the betting selectors")
    rows = betting_selectors.graded_leg_rows().iterator(chunk_size=50_000)
    columns = lf.columns_from_rows(rows)
    progress(0.15, f"Read {len(columns.leg_id)} graded legs (won or lost)")
    return columns


def _parts(columns: lf.LegColumns, params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(fit rows, calibration rows, test rows, purged train rows) as index arrays."""
    test_start = time_split(columns.placed, test_fraction=params["test_fraction"])
    split_time = columns.placed[test_start]
    train = np.arange(test_start)
    known = columns.graded[train] < split_time  # results known when the test period begins
    purged = int((~known).sum())
    train = train[known]
    calibration_start = time_split(columns.placed[train], test_fraction=params["calibration_fraction"])
    return train[:calibration_start], train[calibration_start:], np.arange(test_start, len(columns.placed)), purged


def _check(y: np.ndarray, part: str, minimum: int) -> None:
    if len(y) < minimum or y.min() == y.max():
        raise TrainingFailed(
            _(
                "The %(part)s part has %(count)s legs (%(won)s won): at least %(minimum)s with both wins and losses "
                "are needed. Grade more legs, or lower min_legs."
            )
            % {"part": part, "count": len(y), "won": int(y.sum()), "minimum": minimum}
        )


def train(params: dict, progress: Progress) -> TrainingResult:
    return train_on_columns(_load_columns(progress), params, progress)


def train_on_columns(columns: lf.LegColumns, params: dict, progress: Progress) -> TrainingResult:
    """The trainer after reading: features, time split, fit, calibration, evaluation against the baseline."""
    params = {**DEFAULTS, **(params or {})}
    with threadpool_limits(limits=int(params["threads"])):
        return _train(columns, params, progress)


def _train(columns: lf.LegColumns, params: dict, progress: Progress) -> TrainingResult:
    if len(columns.leg_id) < params["min_legs"]:
        raise TrainingFailed(
            _("Only %(count)s graded legs; the leg model needs at least %(min_legs)s.")
            % {"count": len(columns.leg_id), "min_legs": params["min_legs"]}
        )
    features = lf.training_features(columns, shrinkage=params["shrinkage_legs"])
    progress(0.3, f"Built {features.shape[1]} features per leg (capper history only from earlier results)")
    fit, calibration, test, purged = _parts(columns, params)
    y = columns.won
    minimum = max(20, params["min_legs"] // 10)
    for part, rows in (("fitting", fit), ("calibration", calibration), ("test", test)):
        _check(y[rows], part, minimum)
    booster = HistGradientBoostingClassifier(
        max_iter=params["max_iter"],
        learning_rate=params["learning_rate"],
        max_leaf_nodes=params["max_leaf_nodes"],
        min_samples_leaf=int(min(500, max(20, len(fit) // 100))),
        l2_regularization=params["l2_regularization"],
        categorical_features=lf.CATEGORICAL,
        early_stopping=False,
        random_state=params["seed"],
    )
    booster.fit(features[fit], y[fit])
    progress(0.7, f"Fitted gradient boosting on {len(fit)} legs")
    method = "isotonic" if len(calibration) >= 1000 else "sigmoid"
    model = CalibratedClassifierCV(FrozenEstimator(booster), method=method)
    model.fit(features[calibration], y[calibration])
    progress(0.8, f"Calibrated ({method}) on the latest {len(calibration)} train legs")
    return _evaluate(model, columns, features, (fit, calibration, test, purged), params, method, progress)


def _evaluate(model, columns, features, parts, params, method, progress) -> TrainingResult:
    fit, calibration, test, purged = parts
    y_test = columns.won[test]
    predicted = model.predict_proba(features[test])[:, 1]
    implied = features[test, 0]
    baseline = fair_probability(implied)
    metrics, baseline_metrics = probability_metrics(y_test, predicted), probability_metrics(y_test, baseline)
    brier_mean, brier_se = paired_difference((predicted - y_test) ** 2, (baseline - y_test) ** 2)
    outcome, verdict = loss_verdict(
        model_name="calibrated gradient boosting", baseline_name=BASELINE_NAME, metric="Brier score",
        mean=brier_mean, stderr=brier_se,
    )  # fmt: skip
    progress(0.9, verdict)
    train_rows = np.concatenate([fit, calibration])
    return TrainingResult(
        estimator=model,
        params={**params, "calibration_method": method},
        metrics=metrics,
        baseline_metrics=baseline_metrics,
        report={
            "verdict": verdict,
            "outcome": outcome,
            "baseline_name": BASELINE_NAME,
            "brier_difference": {"mean": round(brier_mean, 6), "standard_error": round(brier_se, 6)},
            "calibration": {"model": reliability(y_test, predicted), "baseline": reliability(y_test, baseline)},
            "baseline_raw_implied": probability_metrics(y_test, np.clip(implied, 1e-6, 1 - 1e-6)),
            "feature_importance": _importance(model, features[test], y_test, params),
            "split": {
                "fit_legs": len(fit),
                "calibration_legs": len(calibration),
                "test_legs": len(test),
                "purged_train_legs": purged,
                "test_from": _time(columns.placed[test[0]]).isoformat(),
            },  # fmt: skip
        },
        feature_names=list(lf.FEATURE_NAMES),
        reference_features=reference_sample(features[train_rows], seed=params["seed"]),
        data_fingerprint=fingerprint(columns.leg_id[train_rows], columns.won[train_rows]),
        data_from=_time(columns.placed[0]),
        data_to=_time(columns.placed[-1]),
        train_rows=len(train_rows),
        test_rows=len(test),
    )


def _importance(model, features: np.ndarray, y: np.ndarray, params: dict) -> list[list]:
    """Permutation importance (drop in Brier score) on at most `importance_rows` test legs: a report
    figure, never used to choose anything."""
    rows = np.random.default_rng(params["seed"]).permutation(len(y))[: params["importance_rows"]]
    result = permutation_importance(
        model, features[rows], y[rows], scoring="neg_brier_score", n_repeats=2, random_state=params["seed"]
    )
    pairs = zip(lf.FEATURE_NAMES, result.importances_mean, strict=True)
    return sorted(([name, round(float(value), 6)] for name, value in pairs), key=lambda pair: -pair[1])


def _time(seconds) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


class LegInputSerializer(serializers.Serializer):
    """One leg to price. The capper's record is given as numbers (legs won + lost, wins, the wins the prices
    expected), not as a capper id: the predict API is not tenant-scoped and must not read a member's record."""

    american_odds = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    market = serializers.ChoiceField(choices=Market.values)
    league = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    line = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True, default=None)
    seconds_before_start = serializers.FloatField(required=False, allow_null=True, default=None)
    capper_legs = serializers.IntegerField(min_value=0, required=False, default=0)
    capper_wins = serializers.IntegerField(min_value=0, required=False, default=0)
    capper_expected_wins = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)

    def validate_american_odds(self, value: int) -> int:
        if abs(value) < 100:
            raise serializers.ValidationError(_("American odds are at least +100 or at most -100."))
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs["capper_wins"] > attrs["capper_legs"]:
            raise serializers.ValidationError({"capper_wins": [_("Cannot exceed capper_legs.")]})
        expected = attrs.get("capper_expected_wins")
        if expected is not None and expected > attrs["capper_legs"]:
            raise serializers.ValidationError({"capper_expected_wins": [_("Cannot exceed capper_legs.")]})
        return attrs


class LegPredictor:
    input_serializer = LegInputSerializer

    def features(self, rows: list[dict]) -> list[list[float]]:
        return self._matrix(rows).round(6).tolist()

    def predict(self, estimator, rows: list[dict]) -> list[dict]:
        matrix = self._matrix(rows)
        with threadpool_limits(limits=1):  # a few rows: threads cost more than they save
            probabilities = estimator.predict_proba(matrix)[:, 1]
        fair = fair_probability(matrix[:, 0])
        return [
            {
                "win_probability": round(float(p), 4),
                "implied_probability": round(float(implied), 4),
                "fair_implied_probability": round(float(baseline), 4),
            }
            for p, implied, baseline in zip(probabilities, matrix[:, 0], fair, strict=True)
        ]

    @staticmethod
    def _matrix(rows: list[dict]) -> np.ndarray:
        counts = betting_selectors.league_leg_win_counts()
        won, decided = (sum(pair[i] for pair in counts.values()) for i in (0, 1))
        global_rate = (won + 1.0) / (decided + 2.0)
        league_won = np.array([counts.get(row.get("league") or "", [0, 0])[0] for row in rows], dtype=float)
        league_legs = np.array([counts.get(row.get("league") or "", [0, 0])[1] for row in rows], dtype=float)
        implied = lf.implied_probability([row["american_odds"] for row in rows])
        legs = np.array([row.get("capper_legs", 0) for row in rows], dtype=float)
        wins = np.array([row.get("capper_wins", 0) for row in rows], dtype=float)
        expected = np.array(
            [row["capper_expected_wins"] if row.get("capper_expected_wins") is not None else row.get("capper_wins", 0)
             for row in rows], dtype=float,
        )  # fmt: skip
        league_win_rate = lf.league_rate(wins=league_won, legs=league_legs, global_rate=np.full(len(rows), global_rate))
        rate, edge = lf.shrunk_history(
            legs=legs, wins=wins, expected=expected, prior_rate=league_win_rate, shrinkage=lf.DEFAULT_SHRINKAGE_LEGS
        )
        seconds = [row.get("seconds_before_start") for row in rows]
        return lf.assemble(
            implied=implied,
            market=[lf.MARKET_CODES[row["market"]] for row in rows],
            league=[lf.league_code(row.get("league") or "") for row in rows],
            line=[float(row["line"]) if row.get("line") is not None else 0.0 for row in rows],
            hours=[s / 3600.0 if s is not None else 0.0 for s in seconds],
            history_legs=legs,
            shrunk_rate=rate,
            shrunk_edge=edge,
            league_win_rate=league_win_rate,
        )


# what a calibrated HistGradientBoostingClassifier holds beyond skops' defaults (scikit-learn's own code)
artifact_types_trust(
    "functools.partial",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
)
model_kind_register(
    NAME,
    label="Leg win probability",
    description="Probability that a leg wins, from its price, market, league, line, time before the start and "
    "the capper's shrunk record; calibrated gradient boosting judged against the odds-implied probability.",
    affects_members=True,
    train=train,
    predictor=LegPredictor(),
)
