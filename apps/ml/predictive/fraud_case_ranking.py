"""Fraud case ranking: which open cases analysts will most likely confirm, learnt from their confirmed and
dismissed verdicts and combining every detector's scores; judged by precision at k against ranking by the
case's own detector score alone, on a later period (issue #16 section 2). Does not affect members: it
orders the analysts' queue, it decides nothing.

Features of a case, as known when it was first detected: for each detector kind the highest score of a
case of that kind on any of its cappers detected no later (its own score under its own kind), its kind,
its detection count, how many cappers it names, and how many earlier cases on those cappers analysts had
already confirmed or dismissed before it was detected. Model: standardised logistic regression.
"""

from collections import defaultdict

import numpy as np
from django.utils.translation import gettext as _
from rest_framework import serializers
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.fraud import selectors as fraud_selectors
from apps.fraud.choices import CaseStatus, FraudKind
from apps.ml.predictive.common import champion_load, fingerprint, reference_sample, time_split
from apps.ml.training import Progress, TrainingFailed, TrainingResult, model_kind_register

NAME = "fraud_case_ranking"
KINDS = list(FraudKind.values)
FEATURE_NAMES = (
    [f"score_{kind}" for kind in KINDS]
    + [f"is_{kind}" for kind in KINDS]
    + ["detections_log", "cappers", "earlier_confirmed", "earlier_dismissed"]
)
KS = (5, 10, 20)
DEFAULTS = {"min_cases": 30, "test_fraction": 0.3, "C": 1.0, "min_test_cases": 5}
BASELINE_NAME = "ranking by the case's own detector score"


def precision_at_k(labels, scores, k: int) -> float:
    """Share of confirmed cases among the k highest scored (ties broken by position, i.e. older first);
    with fewer than k cases, among all of them."""
    labels = np.asarray(labels)
    order = np.lexsort((np.arange(len(labels)), -np.asarray(scores, dtype=float)))
    top = order[: min(k, len(labels))]
    return float(labels[top].mean()) if len(top) else 0.0


def feature_rows(cases: list[dict]) -> np.ndarray:
    """The feature matrix of `cases` (fraud_case_rows order); each case sees only cases detected no later
    than it and verdicts given before it was detected."""
    by_capper: dict[int, list[dict]] = defaultdict(list)
    for case in cases:
        for capper_id in case["capper_ids"]:
            by_capper[capper_id].append(case)
    matrix = np.zeros((len(cases), len(FEATURE_NAMES)))
    for row, case in enumerate(cases):
        seen = {case["id"]: case}
        for capper_id in case["capper_ids"]:
            for other in by_capper[capper_id]:
                if other["first_detected_at"] <= case["first_detected_at"]:
                    seen[other["id"]] = other
        for other in seen.values():
            column = KINDS.index(other["kind"])
            matrix[row, column] = max(matrix[row, column], other["score"])
            decided_before = other["verdict_at"] is not None and other["verdict_at"] < case["first_detected_at"]
            if other["id"] != case["id"] and decided_before:
                matrix[row, -2 if other["verdict"] == CaseStatus.CONFIRMED else -1] += 1
        matrix[row, len(KINDS) + KINDS.index(case["kind"])] = 1
        matrix[row, 2 * len(KINDS)] = np.log1p(case["detection_count"])
        matrix[row, 2 * len(KINDS) + 1] = len(case["capper_ids"])
    return matrix


def train(params: dict, progress: Progress) -> TrainingResult:
    params = {**DEFAULTS, **(params or {})}
    cases = fraud_selectors.fraud_case_rows()
    features = feature_rows(cases)
    labelled = np.array([i for i, case in enumerate(cases) if case["verdict"] is not None], dtype=int)
    progress(0.3, f"{len(cases)} cases, {len(labelled)} with an analyst's verdict")
    if len(labelled) < params["min_cases"]:
        raise TrainingFailed(
            _(
                "Only %(count)s fraud cases have a confirmed or dismissed verdict; the ranking model needs at least "
                "%(min_cases)s."
            )
            % {"count": len(labelled), "min_cases": params["min_cases"]}
        )
    y = np.array([cases[i]["verdict"] == CaseStatus.CONFIRMED for i in labelled], dtype=int)
    times = np.array([cases[i]["first_detected_at"].timestamp() for i in labelled])
    cut = time_split(times, test_fraction=params["test_fraction"])
    train_rows, test_rows = labelled[:cut], labelled[cut:]
    if y[:cut].min() == y[:cut].max() or len(test_rows) < params["min_test_cases"]:
        raise TrainingFailed(
            _(
                "The earlier %(cut)s labelled cases need both confirmed and dismissed ones, and the later part at "
                "least %(min_test_cases)s cases (it has %(count)s)."
            )
            % {"cut": cut, "min_test_cases": params["min_test_cases"], "count": len(test_rows)}
        )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=params["C"], max_iter=1000))
    model.fit(features[train_rows], y[:cut])
    y_test = y[cut:]
    predicted = model.predict_proba(features[test_rows])[:, 1]
    own_score = np.array([cases[i]["score"] for i in test_rows])
    metrics = {f"precision_at_{k}": round(precision_at_k(y_test, predicted, k), 4) for k in KS}
    baseline = {f"precision_at_{k}": round(precision_at_k(y_test, own_score, k), 4) for k in KS}
    metrics["confirmed_share"] = baseline["confirmed_share"] = round(float(y_test.mean()), 4)
    verdict = _verdict(metrics, baseline, len(test_rows))
    progress(0.9, verdict)
    coefficients = model[-1].coef_[0]
    return TrainingResult(
        estimator=model,
        params=params,
        metrics=metrics,
        baseline_metrics=baseline,
        report={
            "verdict": verdict,
            "baseline_name": BASELINE_NAME,
            "feature_importance": sorted(
                ([name, round(float(value), 4)] for name, value in zip(FEATURE_NAMES, coefficients, strict=True)),
                key=lambda pair: -abs(pair[1]),
            ),
            "feature_importance_kind": "standardised logistic regression coefficients",
            "calibration": {},
            "test_cases": len(test_rows),
            "note": "With fewer test cases than k, precision at k is over all test cases.",
        },
        feature_names=list(FEATURE_NAMES),
        reference_features=reference_sample(features[train_rows]),
        data_fingerprint=fingerprint([cases[i]["id"] for i in train_rows], y[:cut]),
        data_from=cases[labelled[0]]["first_detected_at"],
        data_to=cases[labelled[-1]]["first_detected_at"],
        train_rows=len(train_rows),
        test_rows=len(test_rows),
    )


def _verdict(metrics: dict, baseline: dict, cases: int) -> str:
    wins = sum(metrics[f"precision_at_{k}"] > baseline[f"precision_at_{k}"] for k in KS)
    losses = sum(metrics[f"precision_at_{k}"] < baseline[f"precision_at_{k}"] for k in KS)
    outcome = "beats" if wins and not losses else "loses to" if losses and not wins else "matches"
    if wins and losses:
        outcome = "is mixed against"
    figures = ", ".join(f"P@{k} {metrics[f'precision_at_{k}']:.2f} vs {baseline[f'precision_at_{k}']:.2f}" for k in KS)
    return (
        f"On the {cases} latest labelled cases the model {outcome} {BASELINE_NAME} ({figures}). "
        "Few cases make these figures coarse: one case moves P@5 by 0.2."
    )


class FraudCaseInputSerializer(serializers.Serializer):
    """A case's scores as numbers (never a case id: the predict API is not for reading cases)."""

    kind = serializers.ChoiceField(choices=KINDS)
    score = serializers.FloatField(min_value=0, max_value=1)
    other_scores = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1), required=False, default=dict,
        help_text="Highest score per other detector kind on the same cappers",
    )  # fmt: skip
    detection_count = serializers.IntegerField(min_value=1, required=False, default=1)
    cappers = serializers.IntegerField(min_value=1, required=False, default=1)
    earlier_confirmed = serializers.IntegerField(min_value=0, required=False, default=0)
    earlier_dismissed = serializers.IntegerField(min_value=0, required=False, default=0)

    def validate_other_scores(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown detector kinds: %(unknown)s.") % {"unknown": ", ".join(unknown)}
            )
        return value


class FraudCasePredictor:
    input_serializer = FraudCaseInputSerializer

    def features(self, rows: list[dict]) -> list[list[float]]:
        matrix = np.zeros((len(rows), len(FEATURE_NAMES)))
        for i, row in enumerate(rows):
            for kind, score in (row.get("other_scores") or {}).items():
                matrix[i, KINDS.index(kind)] = score
            own = KINDS.index(row["kind"])
            matrix[i, own] = max(matrix[i, own], row["score"])
            matrix[i, len(KINDS) + own] = 1
            matrix[i, -4:] = [np.log1p(row.get("detection_count", 1)), row.get("cappers", 1),
                              row.get("earlier_confirmed", 0), row.get("earlier_dismissed", 0)]  # fmt: skip
        return matrix.tolist()

    def predict(self, estimator, rows: list[dict]) -> list[dict]:
        probabilities = estimator.predict_proba(np.array(self.features(rows)))[:, 1]
        return [{"confirm_probability": round(float(p), 4)} for p in probabilities]


def fraud_cases_ranked(*, status: str | None = None, kind: str | None = None) -> dict:
    """Cases (optionally of one status or kind) ordered by the champion model's probability of being
    confirmed, or by detector score while there is no champion: {"ranked_by", "model_version", "cases":
    [{"case_id", "kind", "status", "score", "model_score"}]}."""
    cases = fraud_selectors.fraud_case_rows()
    chosen = [i for i, case in enumerate(cases) if (status is None or case["status"] == status)
              and (kind is None or case["kind"] == kind)]  # fmt: skip
    version, estimator = champion_load(NAME)
    if estimator is not None and chosen:
        model_scores = estimator.predict_proba(feature_rows(cases)[chosen])[:, 1]
    else:
        model_scores = [None] * len(chosen)
    rows = [
        {"case_id": cases[i]["id"], "kind": cases[i]["kind"], "status": cases[i]["status"],
         "score": cases[i]["score"], "model_score": None if p is None else round(float(p), 4)}
        for i, p in zip(chosen, model_scores, strict=True)
    ]  # fmt: skip
    key = "model_score" if estimator is not None else "score"
    rows.sort(key=lambda row: (-(row[key] or 0.0), row["case_id"]))
    return {
        "ranked_by": "model" if estimator is not None else "detector_score",
        "model_version": version.number if version is not None else None,
        "cases": rows,
    }


model_kind_register(
    NAME,
    label="Fraud case ranking",
    description="Orders fraud cases by how likely analysts are to confirm them, combining every detector's "
    "scores on the same cappers; judged by precision at 5, 10 and 20 against the detector score alone.",
    affects_members=False,
    train=train,
    predictor=FraudCasePredictor(),
)
