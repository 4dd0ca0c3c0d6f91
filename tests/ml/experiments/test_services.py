"""Experiments' services: exposures and outcomes recorded once, the report from the database, state changes."""

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError, ConflictError, NotFoundError
from apps.ml.experiments.selectors import experiment_report
from apps.ml.experiments.services import experiment_assign, experiment_outcome_record, experiment_stop
from apps.ml.models import Experiment, ExperimentExposure, ExperimentOutcome


def test_creating_computes_the_sample_size_and_audits(make_experiment):
    experiment = make_experiment(start=False)
    assert experiment.status == "draft"
    assert experiment.sample_size_per_variant == 356  # 30% -> 40% (Cohen's h 0.210), alpha 0.05, power 0.8
    assert AuditEvent.objects.filter(action="ml.experiment_created", target_id=str(experiment.pk)).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"variants": [{"name": "only", "weight": 1}]}, "between 2 and 10"),
        ({"variants": [{"name": "a", "weight": 1}, {"name": "a", "weight": 1}]}, "unique name"),
        ({"variants": [{"name": "a", "weight": 1}, {"name": "b", "weight": 0}]}, "positive weight"),
        ({"baseline_rate": None}, "baseline rate"),
        ({"metric_kind": "mean"}, "standard deviation"),
    ],
)
def test_a_bad_experiment_is_refused_and_nothing_written(make_experiment, overrides, message):
    with pytest.raises(ApplicationError, match=message):
        make_experiment(**overrides)
    assert not Experiment.objects.exists()


def test_a_draft_experiment_assigns_nobody(make_experiment):
    make_experiment("draft-one", start=False)
    with pytest.raises(ConflictError, match="not running"):
        experiment_assign(key="draft-one", unit_id="capper-1")
    with pytest.raises(NotFoundError):
        experiment_assign(key="missing", unit_id="capper-1")
    assert not ExperimentExposure.objects.exists()


def test_an_exposure_is_recorded_once_per_unit(make_experiment):
    make_experiment()
    _, first, recorded = experiment_assign(key="exp-a", unit_id="capper-1")
    _, again, recorded_again = experiment_assign(key="exp-a", unit_id="capper-1")
    assert (first, recorded, again, recorded_again) == (first, True, first, False)
    assert ExperimentExposure.objects.count() == 1


def test_an_outcome_is_recorded_once_and_needs_an_exposure(make_experiment):
    make_experiment()
    with pytest.raises(ApplicationError, match="never assigned"):
        experiment_outcome_record(key="exp-a", unit_id="capper-9", value=1)
    _, variant, _ = experiment_assign(key="exp-a", unit_id="capper-9")
    outcome, recorded = experiment_outcome_record(key="exp-a", unit_id="capper-9", value=1)
    assert (outcome.variant, outcome.value, recorded) == (variant, 1.0, True)
    assert experiment_outcome_record(key="exp-a", unit_id="capper-9", value=1)[1] is False
    with pytest.raises(ConflictError, match="recorded once"):
        experiment_outcome_record(key="exp-a", unit_id="capper-9", value=0)
    with pytest.raises(ApplicationError, match="0 or 1"):
        experiment_outcome_record(key="exp-a", unit_id="capper-9", value=0.5)
    assert list(ExperimentOutcome.objects.values_list("value", flat=True)) == [1.0]


def test_the_report_counts_what_was_recorded(make_experiment):
    experiment = make_experiment()
    for unit in range(200):
        _, variant, _ = experiment_assign(key="exp-a", unit_id=f"capper-{unit}")
        experiment_outcome_record(key="exp-a", unit_id=f"capper-{unit}", value=int(variant == "treatment"))
    report = experiment_report(experiment)
    by_name = {row["name"]: row for row in report["variants"]}
    assert by_name["control"]["exposures"] + by_name["treatment"]["exposures"] == 200
    assert (by_name["control"]["mean"], by_name["treatment"]["mean"]) == (0.0, 1.0)
    assert report["effects"][0]["difference"] == 1.0 and report["effects"][0]["low"] > 0.9
    assert report["srm"]["is_mismatch"] is False
    assert report["decision"]["decision"] == "continue"  # 354 per variant planned


def test_stopping_needs_a_reason_and_a_running_experiment(make_experiment, actor):
    experiment = make_experiment()
    with pytest.raises(ApplicationError, match="why"):
        experiment_stop(experiment=experiment, actor=actor, reason=" ")
    experiment = experiment_stop(experiment=experiment, actor=actor, reason="planned sample reached")
    assert (experiment.status, experiment.stop_reason) == ("stopped", "planned sample reached")
    with pytest.raises(ConflictError):
        experiment_stop(experiment=experiment, actor=actor, reason="again")
