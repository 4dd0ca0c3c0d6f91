"""The predict API and the models' read endpoints: happy path, unknown model or alias (404), invalid rows
(400 naming the field), the cap on rows per call, the sampled log, and who may read the registry."""

import pytest

from apps.ml.models import PredictionLog
from apps.ml.registry import demo

pytestmark = pytest.mark.django_db
PREDICT = "/api/v1/ml/models/{name}/predict/"
ROW = {"x1": 0.5, "x2": -0.2, "x3": 1.0}


@pytest.fixture
def tenant_client(make_key, tenant, client_with_key):
    api_key, secret = make_key(["ml:predict"], tenant=tenant)
    return client_with_key(secret), api_key


def test_predict_answers_with_the_alias_version_and_one_output_per_row_and_logs_the_call(demo_versions, tenant_client):
    client, api_key = tenant_client

    response = client.post(PREDICT.format(name=demo.NAME), {"inputs": [ROW, {**ROW, "x1": -3}]}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["model"], body["alias"], body["version"]) == (demo.NAME, "champion", 1)
    assert [set(row) for row in body["predictions"]] == [{"probability"}, {"probability"}]
    assert body["predictions"][0]["probability"] > body["predictions"][1]["probability"]  # x1 weighs +1.5
    log = PredictionLog.objects.get()
    assert str(log.prediction_id) == body["prediction_id"]
    assert (log.alias, log.version.number, log.tenant_id, log.api_key_prefix) == (
        "champion",
        1,
        api_key.tenant_id,
        api_key.prefix,
    )
    assert log.features == [[0.5, -0.2, 1.0], [-3.0, -0.2, 1.0]]
    assert log.output == body["predictions"]


def test_predict_with_an_alias_uses_that_version(demo_versions, tenant_client):
    client, _ = tenant_client

    response = client.post(PREDICT.format(name=demo.NAME), {"inputs": [ROW], "alias": "challenger"}, format="json")

    assert (response.status_code, response.json()["alias"], response.json()["version"]) == (200, "challenger", 2)


@pytest.mark.parametrize(
    ("name", "body", "code", "message"),
    [
        ("nope", {"inputs": [ROW]}, "model_not_found", "No model named 'nope' serves predictions."),
        (
            demo.NAME,
            {"inputs": [ROW], "alias": "staging"},
            "alias_not_found",
            "Model 'demo_logistic' has no alias 'staging'.",
        ),
    ],
)
def test_an_unknown_model_or_alias_is_a_404_with_a_clear_message(
    demo_versions, tenant_client, name, body, code, message
):
    client, _ = tenant_client

    response = client.post(PREDICT.format(name=name), body, format="json")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["message"]) == (code, message)
    assert PredictionLog.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"inputs": [ROW, {"x1": 1, "x3": 2}]},
            "inputs[1].x2",
            "Input row rejected: inputs[1].x2: This field is required.",
        ),
        (
            {"inputs": [{**ROW, "x3": "high"}]},
            "inputs[0].x3",
            "Input row rejected: inputs[0].x3: A valid number is required.",
        ),
        ({"inputs": []}, "inputs", "Send a non-empty list of input rows as 'inputs'."),
        ({"inputs": [ROW] * 4}, "inputs", "At most 3 input rows per call; this one has 4. Split it."),
    ],
)
def test_invalid_input_is_a_400_naming_the_field_and_logs_nothing(
    demo_versions, tenant_client, settings, body, field, message
):
    settings.ML_PREDICT_MAX_INPUTS = 3
    client, _ = tenant_client

    response = client.post(PREDICT.format(name=demo.NAME), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    if field != "inputs" or message.startswith("At most"):
        assert response.json()["message"] == message
    assert PredictionLog.objects.count() == 0


def test_the_prediction_log_is_sampled(demo_versions, tenant_client, settings):
    settings.ML_PREDICTION_LOG_SAMPLE = 0.0
    client, _ = tenant_client

    assert client.post(PREDICT.format(name=demo.NAME), {"inputs": [ROW]}, format="json").status_code == 200
    assert PredictionLog.objects.count() == 0


def test_a_platform_key_reads_the_models_with_versions_aliases_and_metrics_against_the_baseline(
    demo_versions, make_key, client_with_key
):
    _, secret = make_key(["ml:predict"])
    client = client_with_key(secret)

    listing = client.get("/api/v1/ml/models/")
    detail = client.get(f"/api/v1/ml/models/{demo.NAME}/")

    assert listing.status_code == 200
    assert {row["name"]: row["aliases"] for row in listing.json()}[demo.NAME] == {"champion": 1, "challenger": 2}
    assert detail.status_code == 200
    versions = detail.json()["versions"]
    assert [version["number"] for version in versions] == [2, 1]
    assert set(versions[0]["metrics"]) == set(versions[0]["baseline_metrics"]) == {"brier", "log_loss"}
    assert versions[0]["metrics"]["brier"] < versions[0]["baseline_metrics"]["brier"]
    assert client.get("/api/v1/ml/models/nope/").json()["code"] == "model_not_found"


def test_a_tenant_key_may_predict_but_not_read_the_registry(demo_versions, tenant_client):
    client, _ = tenant_client

    response = client.get("/api/v1/ml/models/")

    assert response.status_code == 403
    assert response.json()["message"] == "This action needs a platform-wide API key."
