"""The model registry in the portal: every page opens for compliance officers and security analysts (verified
second factor) and for nobody else; the evaluation report shows the metrics beside the baseline, both charts
and the verdict; analysts train and request promotions, a second person approves (never the requester),
rollbacks move the alias back; an officer may not train; refusals show the page again and write nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.ml.models import ModelAlias, PromotionRequest, TrainingJob
from apps.ml.registry import demo
from apps.ml.registry.drift import drift_check
from apps.ml.registry.jobs import training_job_run
from apps.ml.registry.predict import predict
from apps.ml.registry.services import model_version_create
from tests.ml.registry.conftest import MEMBER_MODEL, demo_result, member_kind  # noqa: F401 - a fixture
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def registry(member_kind):  # noqa: F811 - the imported fixture
    """demo_logistic v1 (champion) and v2 (challenger), the member model's v1 (challenger only), a failed
    job, a logged prediction and a drift check."""
    model_version_create(demo.NAME, demo_result(seed=1), actor=ACTOR)
    model_version_create(demo.NAME, demo_result(seed=2), actor=ACTOR)
    model_version_create(MEMBER_MODEL, demo_result(seed=3), actor=ACTOR)
    job = TrainingJob.objects.create(
        model_id=ModelAlias.objects.first().model_id, params={"rows": 5}, requested_by_label="x"
    )
    training_job_run(job_id=job.pk)
    predict(name=demo.NAME, inputs=[{"x1": 1, "x2": 2, "x3": 3}])
    drift_check()
    return job


def _pages(job) -> list[str]:
    return [
        reverse("portal:ml_models"),
        reverse("portal:ml_model", kwargs={"name": demo.NAME}),
        reverse("portal:ml_model", kwargs={"name": MEMBER_MODEL}),
        reverse("portal:ml_version", kwargs={"name": demo.NAME, "number": 2}),
        reverse("portal:ml_jobs"),
        reverse("portal:ml_job", kwargs={"job_id": job.pk}),
        reverse("portal:ml_predictions"),
        reverse("portal:ml_drift"),
    ]


def _aliases(name: str) -> dict[str, int]:
    return dict(ModelAlias.objects.filter(model__name=name).values_list("name", "version__number"))


def test_officers_and_analysts_open_every_registry_page(analyst_client, officer_client, registry):
    for client in (analyst_client, officer_client):
        for path in _pages(registry):
            assert client.get(path).status_code == 200, path
    nav = officer_client.get(reverse("portal:dashboard")).content.decode()
    assert "Machine learning" in nav and reverse("portal:ml_models") in nav


def test_other_roles_get_403_and_unverified_sessions_the_sign_in(staff_user, portal_user, registry):
    password_only = Client()
    password_only.force_login(portal_user(StaffRole.SECURITY_ANALYST, username="pw-only"))
    others = [verified_client(staff_user(role, username=f"x-{role}")) for role in (StaffRole.OPS, StaffRole.SUPPORT)]
    for path in _pages(registry):
        for client in (Client(), password_only):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), path
        for client in others:
            assert client.get(path).status_code == 403, path


def test_the_evaluation_report_shows_metrics_beside_the_baseline_both_charts_and_the_verdict(officer_client, registry):
    page = officer_client.get(reverse("portal:ml_version", kwargs={"name": demo.NAME, "number": 1})).content.decode()

    assert "The model beats the base rate on Brier score" in page
    assert 'data-figure="fig-calibration"' in page and 'id="fig-calibration"' in page
    assert 'data-figure="fig-importance"' in page and "vendor/plotly.min.js" in page
    assert "brier" in page and "log_loss" in page and "Model − baseline" in page


def test_an_analyst_trains_now_and_the_job_page_follows(analyst_client, registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # eager in tests: the job runs on commit
        response = analyst_client.post(
            reverse("portal:ml_train", kwargs={"name": demo.NAME}), {"params": '{"rows": 300}'}
        )

    job = TrainingJob.objects.order_by("-id").first()
    assert response.status_code == 302 and response["Location"] == reverse("portal:ml_job", kwargs={"job_id": job.pk})
    assert (job.status, job.version.number, job.requested_by_label) == ("succeeded", 3, "analyst")
    assert "stored version 3" in analyst_client.get(response["Location"]).content.decode()


def test_an_officer_may_not_train_and_bad_parameters_write_nothing(officer_client, analyst_client, registry):
    before = TrainingJob.objects.count()

    denied = officer_client.post(reverse("portal:ml_train", kwargs={"name": demo.NAME}), {"params": "{}"})
    bad = analyst_client.post(reverse("portal:ml_train", kwargs={"name": demo.NAME}), {"params": "{rows"})

    assert denied.status_code == 403
    assert bad.status_code == 400 and "Parameters must be a JSON object" in bad.content.decode()
    assert TrainingJob.objects.count() == before


def test_four_eyes_from_the_portal_the_requester_cannot_approve_a_second_user_can(
    analyst_client, officer_client, analyst, registry
):
    url = reverse("portal:ml_promotion_request", kwargs={"name": MEMBER_MODEL})
    assert analyst_client.post(url, {"version": "1", "reason": "beats the baseline"}).status_code == 302
    promotion = PromotionRequest.objects.get()
    decide = reverse("portal:ml_promotion_decide", kwargs={"name": MEMBER_MODEL, "request_id": promotion.pk})

    own = analyst_client.post(decide, {"decision": "approve"})
    assert own.status_code == 403 and "a second staff user must decide" in own.content.decode()
    assert PromotionRequest.objects.get().status == "pending" and "champion" not in _aliases(MEMBER_MODEL)
    page = officer_client.get(reverse("portal:ml_model", kwargs={"name": MEMBER_MODEL})).content.decode()
    assert 'value="approve"' in page

    assert officer_client.post(decide, {"decision": "approve", "note": "report read"}).status_code == 302

    assert _aliases(MEMBER_MODEL) == {"challenger": 1, "champion": 1}
    assert PromotionRequest.objects.get().decided_by.username == "officer"
    actions = set(AuditEvent.objects.filter(action__startswith="ml.promotion").values_list("action", flat=True))
    assert actions == {"ml.promotion_requested", "ml.promotion_approved"}


def test_moving_a_member_models_champion_directly_is_refused(analyst_client, registry):
    url = reverse("portal:ml_alias_move", kwargs={"name": MEMBER_MODEL})

    response = analyst_client.post(url, {"alias": "champion", "version": "1", "reason": "skip the queue"})

    assert response.status_code == 403 and "needs a promotion request" in response.content.decode()
    assert "champion" not in _aliases(MEMBER_MODEL)


def test_an_analyst_promotes_and_rolls_back_a_model_not_affecting_members(analyst_client, officer_client, registry):
    move = reverse("portal:ml_alias_move", kwargs={"name": demo.NAME})
    rollback = reverse("portal:ml_alias_rollback", kwargs={"name": demo.NAME})
    assert analyst_client.post(move, {"alias": "champion", "version": "2", "reason": "better"}).status_code == 302
    assert _aliases(demo.NAME)["champion"] == 2

    assert officer_client.post(rollback, {"alias": "champion", "reason": "x"}).status_code == 403
    assert analyst_client.post(rollback, {"alias": "champion", "reason": ""}).status_code == 400
    assert analyst_client.post(rollback, {"alias": "champion", "reason": "bad in production"}).status_code == 302

    assert _aliases(demo.NAME)["champion"] == 1
    event = AuditEvent.objects.filter(action="ml.alias_moved").order_by("id").last()
    assert (event.changes["kind"], event.actor_label, event.reason) == ("rollback", "analyst", "bad in production")
