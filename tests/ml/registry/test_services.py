"""The registry's services: skops artifacts, the SHA-256 check, aliases of new versions, four-eyes
promotions, rollbacks, and training jobs that fail without touching the aliases."""

import numpy as np
import pytest
import skops.io

from apps.audit.models import AuditEvent
from apps.ml.models import AliasMove, ModelAlias, ModelVersion, PromotionRequest, TrainingJob
from apps.ml.registry import demo
from apps.ml.registry.artifacts import ArtifactRefused, artifact_load, artifact_sha256
from apps.ml.registry.choices import JobStatus, PromotionStatus, VersionStatus
from apps.ml.registry.jobs import training_job_run
from apps.ml.registry.services import (
    ArtifactTampered,
    alias_move,
    alias_rollback,
    model_load,
    model_version_create,
    promotion_approve,
    promotion_reject,
    promotion_request,
    training_job_enqueue,
)
from apps.notifications.models import Notification
from tests.ml.registry.conftest import demo_result

pytestmark = pytest.mark.django_db


class Homemade:
    """A type nobody trusted."""

    def __init__(self) -> None:
        self.weights = [1, 2, 3]


def _aliases(name: str) -> dict[str, int]:
    return dict(ModelAlias.objects.filter(model__name=name).values_list("name", "version__number"))


def _actions() -> list[str]:
    return list(AuditEvent.objects.filter(action__startswith="ml.").order_by("id").values_list("action", flat=True))


def test_a_version_is_stored_as_skops_bytes_with_their_sha256_and_loads_back_to_the_same_estimator(demo_versions):
    first, _ = demo_versions
    stored = ModelVersion.objects.get(pk=first.pk)
    data = bytes(stored.artifact)

    assert data[:2] == b"PK"  # a skops file is a zip of JSON and arrays, not a pickle stream
    assert stored.artifact_sha256 == artifact_sha256(data) and stored.artifact_size == len(data)
    version, estimator = model_load(demo.NAME, "champion")
    rows = np.array([[0.1, -0.4, 2.0], [-1.0, 1.0, 0.0]])
    original = demo_result(seed=1).estimator
    assert version.pk == first.pk
    assert np.allclose(estimator.predict_proba(rows), original.predict_proba(rows))
    assert (stored.train_rows, stored.test_rows, stored.code_version, stored.trained_by_label) == (
        320,
        80,
        "test",
        "trainer",
    )
    assert stored.report["verdict"].startswith("The model beats the base rate on Brier score")
    assert set(stored.metrics) == set(stored.baseline_metrics) == {"brier", "log_loss"}
    assert len(stored.reference_features) == 320 and len(stored.data_fingerprint) == 64


def test_an_artifact_holding_an_untrusted_type_is_refused_and_nothing_is_stored(trainer):
    with pytest.raises(ArtifactRefused, match="Homemade"):
        artifact_load(skops.io.dumps(Homemade()))
    result = demo_result()
    result.estimator = Homemade()

    with pytest.raises(ArtifactRefused):
        model_version_create(demo.NAME, result, actor=trainer)
    assert ModelVersion.objects.count() == 0


def test_new_versions_become_challenger_and_the_first_becomes_champion_of_a_model_not_affecting_members(demo_versions):
    first, second = demo_versions

    assert (first.number, second.number) == (1, 2)
    assert _aliases(demo.NAME) == {"champion": 1, "challenger": 2}


def test_a_tampered_artifact_refuses_to_load_and_alerts(demo_versions):
    first, _ = demo_versions
    data = bytearray(bytes(ModelVersion.objects.get(pk=first.pk).artifact))
    data[-30] ^= 0xFF
    ModelVersion.objects.filter(pk=first.pk).update(artifact=bytes(data))

    with pytest.raises(ArtifactTampered, match="failed its SHA-256 check") as refused:
        model_load(demo.NAME, "champion")

    assert refused.value.status_code == 409
    assert ModelVersion.objects.get(pk=first.pk).status == VersionStatus.TAMPERED
    notice = Notification.objects.get(kind="ml_artifact_tampered")
    assert notice.severity == "critical"
    assert notice.payload["expected_sha256"] == first.artifact_sha256
    assert notice.payload["observed_sha256"] == artifact_sha256(bytes(data))
    with pytest.raises(ArtifactTampered):  # refused again, told once
        model_load(demo.NAME, "champion")
    assert Notification.objects.filter(kind="ml_artifact_tampered").count() == 1


def test_moving_the_champion_of_a_model_that_affects_members_needs_a_second_persons_approval(
    member_kind, trainer, staff_user
):
    requester, approver = staff_user("compliance_officer"), staff_user("security_analyst")
    model_version_create(member_kind, demo_result(seed=1), actor=trainer)
    assert _aliases(member_kind) == {"challenger": 1}  # no champion without an approval, not even the first

    with pytest.raises(Exception, match="approved by a second staff user"):
        alias_move(name=member_kind, alias="champion", version_number=1, actor=trainer)
    request = promotion_request(name=member_kind, version_number=1, user=requester, actor=trainer, reason="beats it")
    with pytest.raises(Exception, match="a second staff user must decide") as refused:
        promotion_approve(request=request, user=requester, actor=trainer)
    assert refused.value.status_code == 403
    assert PromotionRequest.objects.get(pk=request.pk).status == PromotionStatus.PENDING
    assert _aliases(member_kind) == {"challenger": 1}

    promotion_approve(request=request, user=approver, actor=trainer, note="checked the report")

    request.refresh_from_db()
    assert (request.status, request.decided_by_id, request.decision_note) == (
        "approved",
        approver.pk,
        "checked the report",
    )
    assert _aliases(member_kind) == {"challenger": 1, "champion": 1}
    assert _actions()[-3:] == ["ml.promotion_requested", "ml.promotion_approved", "ml.alias_moved"]
    moved = AuditEvent.objects.filter(action="ml.alias_moved").order_by("id").last()
    assert moved.changes == {
        "model": member_kind, "alias": "champion", "from_version": None, "to_version": 1, "kind": "promotion"
    }  # fmt: skip


def test_a_rejected_promotion_leaves_the_alias_and_a_decided_request_cannot_be_decided_again(
    member_kind, trainer, staff_user
):
    requester, approver = staff_user("compliance_officer"), staff_user("security_analyst")
    model_version_create(member_kind, demo_result(seed=1), actor=trainer)
    request = promotion_request(name=member_kind, version_number=1, user=requester, actor=trainer, reason="try")

    promotion_reject(request=request, user=approver, actor=trainer, note="calibration is off")

    assert PromotionRequest.objects.get(pk=request.pk).status == PromotionStatus.REJECTED
    assert "champion" not in _aliases(member_kind)
    with pytest.raises(Exception, match="already rejected"):
        promotion_approve(request=request, user=approver, actor=trainer)
    assert "ml.promotion_rejected" in _actions()


def test_rollback_moves_the_alias_back_to_its_previous_version_with_audit_events(demo_versions, trainer):
    alias_move(name=demo.NAME, alias="champion", version_number=2, actor=trainer, reason="v2 is better")
    assert _aliases(demo.NAME)["champion"] == 2

    alias_rollback(name=demo.NAME, alias="champion", actor=trainer, reason="v2 misbehaves in production")

    assert _aliases(demo.NAME)["champion"] == 1
    last = AliasMove.objects.filter(alias="champion").first()
    assert (last.kind, last.from_version.number, last.to_version.number) == ("rollback", 2, 1)
    event = AuditEvent.objects.filter(action="ml.alias_moved").order_by("id").last()
    assert event.changes["kind"] == "rollback" and event.reason == "v2 misbehaves in production"
    assert (event.changes["from_version"], event.changes["to_version"]) == (2, 1)


def test_rollback_without_an_earlier_version_is_refused(demo_versions, trainer):
    with pytest.raises(Exception, match="no earlier version") as refused:
        alias_rollback(name=demo.NAME, alias="champion", actor=trainer, reason="panic")
    assert refused.value.status_code == 409
    assert _aliases(demo.NAME) == {"champion": 1, "challenger": 2}


def test_a_training_job_stores_a_version_with_its_progress_and_log(trainer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = training_job_enqueue(demo.NAME, {"rows": 300, "seed": 3}, actor=trainer)

    done = training_job_run(job_id=job.pk)

    assert (done.status, done.progress, done.error) == (JobStatus.SUCCEEDED, 1.0, "")
    assert done.version.number == 1 and done.version.params["rows"] == 300
    assert any("generated 300 synthetic rows" in line for line in done.log)
    assert done.log[-1].endswith(f"stored version 1 ({done.version.artifact_sha256[:12]})")
    assert training_job_run(job_id=job.pk) is None  # a redelivered message runs nothing twice
    assert ModelVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"rows": 50}, "50 rows are too few to train and test a model (at least 100)."),
        ({"rows": "many"}, "The trainer crashed: ValueError: invalid literal for int() with base 10: 'many'"),
    ],
)
def test_a_failed_training_job_keeps_its_error_and_leaves_the_aliases(demo_versions, trainer, params, error):
    before = _aliases(demo.NAME)
    job = training_job_enqueue(demo.NAME, params, actor=trainer)

    done = training_job_run(job_id=job.pk)

    assert (done.status, done.error, done.version) == (JobStatus.FAILED, error, None)
    assert done.log[-1].endswith(f"failed: {error}")
    assert _aliases(demo.NAME) == before
    assert ModelVersion.objects.count() == 2
    assert _actions()[-2:] == ["ml.training_requested", "ml.training_failed"]


def test_an_unknown_model_cannot_be_trained(trainer):
    with pytest.raises(Exception, match="No trainer is registered for 'nope'") as refused:
        training_job_enqueue("nope", {}, actor=trainer)
    assert refused.value.status_code == 404
    assert TrainingJob.objects.count() == 0
