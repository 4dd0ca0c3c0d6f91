"""Requirement statuses and framework scores: manual is not passing, attestations count until they expire."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.compliance.checks.registry import checks_for
from apps.compliance.models import Requirement, ScoreSnapshot
from apps.compliance.selectors import framework_scores, requirement_detail, requirement_statuses
from apps.compliance.services.attestations import attestation_create, attestation_revoke
from apps.compliance.services.runs import check_run_execute
from apps.compliance.services.scores import score_snapshots_take
from apps.core.errors import ApplicationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(check_id):
    [check] = checks_for(check_id=check_id)
    return check_run_execute(check=check)


def _states(framework_id):
    return {state.ref: state for state in requirement_statuses(framework_id=framework_id)}


def test_without_runs_every_requirement_is_manual_and_there_is_no_score():
    states = _states("ccpa")
    assert {state.status for state in states.values() if not state.is_group} == {"manual"}
    assert states["Rights"].status == ""  # a group has no status of its own
    [row] = framework_scores(framework_id="ccpa")
    assert (row["score"], row["manual"], row["requirement_count"], row["coverage"]) == (None, 6, 6, 0.0)


def test_statuses_follow_the_latest_runs_and_the_score_counts_only_assessed_requirements(staff_user):
    run("privacy.requests_overdue")  # passes: 1798.130(a)(2) and 1798.105
    states = _states("ccpa")
    assert states["1798.130(a)(2)"].status == "passing"
    assert states["1798.130(a)(2)"].checks[0]["check_id"] == "privacy.requests_overdue"
    assert states["1798.150"].status == "manual"
    [row] = framework_scores(framework_id="ccpa")
    assert (row["score"], row["passing"], row["manual"]) == (100.0, 2, 4)

    staff_user("superuser", username="root")
    run("access.privileged_mfa")  # fails: 1798.100(e)
    [row] = framework_scores(framework_id="ccpa")
    assert (row["passing"], row["failing"], row["score"]) == (2, 1, 66.7)
    assert _states("ccpa")["1798.100(e)"].status == "failing"


def test_a_valid_attestation_makes_a_manual_requirement_attested_until_it_expires_or_is_revoked(
    actor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the upload is written to disk
    requirement = Requirement.objects.get(framework_id="ccpa", ref="1798.150")
    owner = UserFactory(username="officer")
    attestation = attestation_create(
        requirement=requirement,
        statement="Breach response tabletop held.",
        owner=owner,
        expires_at=timezone.now() + timedelta(days=30),
        actor=actor,
        evidence_file=ContentFile(b"minutes of the tabletop", name="minutes.txt"),
    )

    assert attestation.evidence_sha256 == hashlib.sha256(b"minutes of the tabletop").hexdigest()
    assert _states("ccpa")["1798.150"].status == "attested"
    [row] = framework_scores(framework_id="ccpa")
    assert (row["attested"], row["score"]) == (1, 100.0)
    assert AuditEvent.objects.filter(action="compliance.attestation_created", target_id=str(attestation.pk)).exists()

    attestation_revoke(attestation=attestation, actor=actor, reason="superseded")
    assert _states("ccpa")["1798.150"].status == "manual"


def test_an_expired_attestation_is_refused(actor):
    requirement = Requirement.objects.get(framework_id="ccpa", ref="1798.150")
    with pytest.raises(ApplicationError, match="expiry must be in the future"):
        attestation_create(
            requirement=requirement,
            statement="x",
            owner=UserFactory(),
            expires_at=timezone.now() - timedelta(days=1),
            actor=actor,
        )


def test_requirement_detail_has_runs_history_and_mappings():
    run("privacy.requests_overdue")
    detail = requirement_detail(framework_id="gdpr", ref="Art.12(3)")
    assert detail["status"] == "passing"
    assert [stored.check_id for stored in detail["latest_runs"]] == ["privacy.requests_overdue"]
    assert detail["mapped_requirements"] == ["ccpa:1798.130(a)(2)"]
    assert requirement_detail(framework_id="gdpr", ref="nope") is None


def test_a_daily_snapshot_is_taken_once_per_day_and_updated_in_place():
    score_snapshots_take()
    run("privacy.requests_overdue")
    score_snapshots_take()
    snapshot = ScoreSnapshot.objects.get(framework_id="ccpa")
    assert (snapshot.day, snapshot.score, snapshot.passing, snapshot.manual) == (timezone.now().date(), 100.0, 2, 4)
