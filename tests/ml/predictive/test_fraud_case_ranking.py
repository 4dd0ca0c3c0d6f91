"""Fraud case ranking: precision at k on a hand-made case, the trainer on analysts' verdicts against the
detector score alone, and the case list ordered by the model."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from apps.betting.services import capper_create
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors.base import Finding
from apps.fraud.models import FraudCase, FraudLabel
from apps.fraud.services.cases import fraud_case_record, fraud_case_triage
from apps.ml.predictive import fraud_case_ranking as ranking
from apps.ml.registry.services import model_version_create
from apps.ml.training import TrainingFailed
from tests.ml.predictive.helpers import recording_progress


def test_precision_at_k_on_a_hand_made_ranking():
    labels = [1, 0, 1, 1, 0, 0, 1, 0]
    scores = [0.9, 0.95, 0.2, 0.8, 0.1, 0.85, 0.3, 0.5]
    # by score: 0.95(0) 0.9(1) 0.85(0) 0.8(1) 0.5(0) 0.3(1) 0.2(1) 0.1(0)
    assert ranking.precision_at_k(labels, scores, 1) == 0.0
    assert ranking.precision_at_k(labels, scores, 2) == 0.5
    assert ranking.precision_at_k(labels, scores, 4) == 0.5
    assert ranking.precision_at_k(labels, scores, 7) == pytest.approx(4 / 7)
    assert ranking.precision_at_k(labels, scores, 20) == 0.5  # fewer cases than k: all of them
    # ties keep the older case first
    assert ranking.precision_at_k([0, 1], [0.5, 0.5], 1) == 0.0


def make_cases(actor, tenant, count: int, seed: int = 2):
    """`count` cases over 60 days: analysts confirm mostly those whose cappers another detector flagged too
    (what the detector score alone cannot see), and somewhat more often the higher scored ones."""
    rng = np.random.default_rng(seed)
    cappers = [
        capper_create(tenant=tenant, actor=actor, discord_user_id=str(580000000000000000 + i), username=f"f{i}")
        for i in range(count)
    ]
    start, kinds = timezone.now() - timedelta(days=61), [FraudKind.LATE_POSTING, FraudKind.IMPROBABLE_RECORD]
    flagged_twice = set(rng.choice(count, size=count // 3, replace=False).tolist())
    cases = []
    for i in range(count):
        score = float(rng.uniform(0.3, 1.0))
        case, _ = fraud_case_record(
            finding=Finding(kind=kinds[i % 2], capper_ids=(cappers[i].pk,), score=score, explanation="sim"), actor=actor
        )
        detected = start + timedelta(days=60 * i / count)
        if i in flagged_twice:
            other, _ = fraud_case_record(
                finding=Finding(kind=FraudKind.OUTLIER, capper_ids=(cappers[i].pk,), score=0.7, explanation="sim"),
                actor=actor,
            )
            FraudCase.objects.filter(pk=other.pk).update(first_detected_at=detected - timedelta(hours=1))
        FraudCase.objects.filter(pk=case.pk).update(first_detected_at=detected, last_detected_at=detected)
        confirmed = rng.random() < (0.8 if i in flagged_twice else 0.1) + 0.1 * (score - 0.65)
        fraud_case_triage(case=case, actor=actor, status=CaseStatus.CONFIRMED if confirmed else CaseStatus.DISMISSED)
        FraudLabel.objects.filter(case=case).update(created_at=detected + timedelta(days=1))
        cases.append(case)
    return cases


@pytest.mark.django_db
def test_too_few_verdicts_fail_with_a_clear_message(tenant, actor):
    make_cases(actor, tenant, 6)
    with pytest.raises(TrainingFailed, match="confirmed or dismissed"):
        ranking.train({}, recording_progress()[1])


@pytest.mark.django_db
def test_training_on_verdicts_and_the_ranked_case_list(tenant, actor):
    make_cases(actor, tenant, 45)
    before = ranking.fraud_cases_ranked()
    assert before["ranked_by"] == "detector_score"
    scores = [row["score"] for row in before["cases"]]
    assert scores == sorted(scores, reverse=True)

    result = ranking.train({}, recording_progress()[1])
    assert result.test_rows == 14 and result.train_rows == 31  # the latest 30% of the 45 labelled cases
    assert set(result.metrics) == set(result.baseline_metrics) == {
        "precision_at_5", "precision_at_10", "precision_at_20", "confirmed_share",
    }  # fmt: skip
    for k in ranking.KS:
        model, base = result.metrics[f"precision_at_{k}"], result.baseline_metrics[f"precision_at_{k}"]
        assert f"P@{k} {model:.2f} vs {base:.2f}" in result.report["verdict"]
    assert result.metrics["precision_at_20"] == result.metrics["confirmed_share"]  # 14 cases < 20: all of them
    wins = sum(result.metrics[f"precision_at_{k}"] > result.baseline_metrics[f"precision_at_{k}"] for k in ranking.KS)
    losses = sum(result.metrics[f"precision_at_{k}"] < result.baseline_metrics[f"precision_at_{k}"] for k in ranking.KS)
    expected = "beats" if wins and not losses else "loses to" if losses and not wins else "mixed" if wins else "matches"
    assert expected in result.report["verdict"]
    importance = dict(result.report["feature_importance"])
    assert importance["score_outlier"] > 0  # the other detector's flag is what analysts confirmed

    # not a model that affects members: its first version is champion at once, and the list follows it
    version = model_version_create(ranking.NAME, result, actor=actor, code_version="test")
    after = ranking.fraud_cases_ranked(status=CaseStatus.CONFIRMED)
    assert after["ranked_by"] == "model" and after["model_version"] == version.number
    model_scores = [row["model_score"] for row in after["cases"]]
    assert model_scores == sorted(model_scores, reverse=True)
    assert {row["status"] for row in after["cases"]} == {CaseStatus.CONFIRMED}
