"""The experiments and prediction-outcome endpoints: shapes, 400/404/409 with nothing written."""

import uuid

import pytest

from apps.ml.experiments.routing import bandit_route
from apps.ml.models import BanditArm, BanditStep, ExperimentExposure, ExperimentOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(make_key, client_with_key):
    _, secret = make_key(["ml:predict"], name="platform")
    return client_with_key(secret)


def _post(client, path, body):
    return client.post(path, body, format="json")


def test_assign_then_outcome_then_report(platform, make_experiment):
    make_experiment()
    assigned = _post(platform, "/api/v1/ml/experiments/exp-a/assign/", {"unit_id": "capper-1"})
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["recorded"] is True and assigned.json()["variant"] in {"control", "treatment"}
    again = _post(platform, "/api/v1/ml/experiments/exp-a/assign/", {"unit_id": "capper-1"})
    assert again.json() == {**assigned.json(), "recorded": False}
    outcome = _post(platform, "/api/v1/ml/experiments/exp-a/outcome/", {"unit_id": "capper-1", "value": 1})
    assert outcome.status_code == 201 and outcome.json()["variant"] == assigned.json()["variant"]
    assert (
        _post(platform, "/api/v1/ml/experiments/exp-a/outcome/", {"unit_id": "capper-1", "value": 1}).status_code == 200
    )
    conflict = _post(platform, "/api/v1/ml/experiments/exp-a/outcome/", {"unit_id": "capper-1", "value": 0})
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    report = platform.get("/api/v1/ml/experiments/exp-a/report/")
    assert report.status_code == 200
    assert sum(row["exposures"] for row in report.json()["variants"]) == 1
    assert report.json()["decision"]["decision"] == "continue"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "unit_id"), ({"unit_id": 12}, "unit_id"), ({"unit_id": "a b"}, "unit_id"), ({"unit_id": "x", "y": 1}, "y")],
)
def test_a_bad_assignment_is_400_and_writes_nothing(platform, make_experiment, body, field):
    make_experiment()
    response = _post(platform, "/api/v1/ml/experiments/exp-a/assign/", body)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not ExperimentExposure.objects.exists()


def test_unknown_and_draft_experiments(platform, make_experiment):
    make_experiment("draft", start=False)
    assert _post(platform, "/api/v1/ml/experiments/nope/assign/", {"unit_id": "u"}).status_code == 404
    assert _post(platform, "/api/v1/ml/experiments/draft/assign/", {"unit_id": "u"}).status_code == 409
    assert platform.get("/api/v1/ml/experiments/nope/report/").status_code == 404
    assert not ExperimentOutcome.objects.exists()


def test_a_prediction_outcome_rewards_the_arm(platform, running_bandit):
    prediction_id = uuid.uuid4()
    alias = bandit_route("leg_win_probability", prediction_id)
    response = _post(platform, f"/api/v1/ml/predictions/{prediction_id}/outcome/", {"reward": 1})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "prediction_id": str(prediction_id), "model": "leg_win_probability", "alias": alias, "reward": 1.0,
    }  # fmt: skip
    assert BanditArm.objects.get(bandit=running_bandit, alias=alias).successes == 1.0


def test_an_unknown_prediction_is_404(platform, running_bandit):
    response = _post(platform, f"/api/v1/ml/predictions/{uuid.uuid4()}/outcome/", {"reward": 1})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_second_reward_is_409_and_changes_nothing(platform, running_bandit):
    prediction_id = uuid.uuid4()
    alias = bandit_route("leg_win_probability", prediction_id)
    _post(platform, f"/api/v1/ml/predictions/{prediction_id}/outcome/", {"reward": 0})
    response = _post(platform, f"/api/v1/ml/predictions/{prediction_id}/outcome/", {"reward": 1})
    assert response.status_code == 409 and "already has its reward" in response.json()["message"]
    arm = BanditArm.objects.get(bandit=running_bandit, alias=alias)
    assert (arm.successes, arm.failures) == (0.0, 1.0)


@pytest.mark.parametrize(
    "body", [{}, {"reward": "1"}, {"reward": 2}, {"reward": -1}, {"reward": True}, {"reward": None}]
)
def test_a_bad_reward_is_400_and_changes_nothing(platform, running_bandit, body):
    prediction_id = uuid.uuid4()
    bandit_route("leg_win_probability", prediction_id)
    response = _post(platform, f"/api/v1/ml/predictions/{prediction_id}/outcome/", body)
    assert response.status_code == 400 and "reward" in response.json()["fields"]
    assert BanditStep.objects.get(prediction_id=prediction_id).reward is None
    assert (
        not BanditArm.objects.filter(successes__gt=0).exists() and not BanditArm.objects.filter(failures__gt=0).exists()
    )


def test_a_tenant_key_rewards_only_its_tenants_predictions(
    make_key, client_with_key, tenant, other_tenant, running_bandit
):
    _, own_secret = make_key(["ml:predict"], tenant=tenant, name="own")
    _, other_secret = make_key(["ml:predict"], tenant=other_tenant, name="other")
    prediction_id = uuid.uuid4()
    bandit_route("leg_win_probability", prediction_id, tenant_id=tenant.pk)
    path = f"/api/v1/ml/predictions/{prediction_id}/outcome/"
    assert _post(client_with_key(other_secret), path, {"reward": 1}).status_code == 404
    assert _post(client_with_key(own_secret), path, {"reward": 1}).status_code == 200
