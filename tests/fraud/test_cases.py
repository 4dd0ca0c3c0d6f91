"""Cases: a repeated detection updates the open case; triage is audited and verdicts become labels."""

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.fraud.choices import CaseAction, CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.models import FraudCase, FraudCaseEvent, FraudLabel
from apps.fraud.selectors import detector_precision
from apps.fraud.services import fraud_case_record, fraud_case_triage

pytestmark = pytest.mark.django_db


@pytest.fixture
def cappers(make_capper):
    return [make_capper(f"capper{number}") for number in range(3)]


def _finding(cappers, kind=FraudKind.COPY_RING, score=0.7, evidence=None) -> Finding:
    return Finding(kind=kind, capper_ids=tuple(c.pk for c in cappers), score=score, explanation="Copied.",
                   evidence=evidence or {"meetings": 5})  # fmt: skip


def test_a_repeated_detection_updates_the_open_case(cappers, actor):
    case, created = fraud_case_record(finding=_finding(cappers[:2]), actor=actor)
    again, created_again = fraud_case_record(
        finding=_finding(cappers[1::-1], score=0.9, evidence={"meetings": 7}), actor=actor
    )

    assert (created, created_again) == (True, False)
    assert again.pk == case.pk and FraudCase.objects.count() == 1
    assert (again.score, again.evidence, again.detection_count) == (0.9, {"meetings": 7}, 2)
    assert list(again.history.values_list("action", flat=True)) == [CaseAction.DETECTED, CaseAction.REDETECTED]
    assert list(
        AuditEvent.objects.filter(action__startswith="fraud.").values_list("action", flat=True).order_by("id")
    ) == [
        "fraud.case_opened",
        "fraud.case_updated",
    ]
    assert sorted(again.cappers.values_list("pk", flat=True)) == sorted(c.pk for c in cappers[:2])


def test_an_unchanged_redetection_writes_no_history(cappers, actor):
    fraud_case_record(finding=_finding(cappers[:2]), actor=actor)
    case, _ = fraud_case_record(finding=_finding(cappers[:2]), actor=actor)

    assert case.detection_count == 2
    assert case.history.count() == 1
    assert AuditEvent.objects.filter(action="fraud.case_updated").count() == 0


@pytest.mark.parametrize(
    ("members", "kind"), [(slice(0, 3), FraudKind.COPY_RING), (slice(0, 2), FraudKind.OPPOSITE_SIDE_RING)]
)
def test_other_members_or_another_kind_open_another_case(cappers, actor, members, kind):
    fraud_case_record(finding=_finding(cappers[:2]), actor=actor)
    _, created = fraud_case_record(finding=_finding(cappers[members], kind=kind), actor=actor)

    assert created and FraudCase.objects.count() == 2


def test_a_detection_after_a_verdict_opens_a_new_case(cappers, actor):
    case, _ = fraud_case_record(finding=_finding(cappers[:2]), actor=actor)
    fraud_case_triage(case=case, actor=actor, status=CaseStatus.DISMISSED, note="coincidence")
    new, created = fraud_case_record(finding=_finding(cappers[:2]), actor=actor)

    assert created and new.pk != case.pk and new.status == CaseStatus.NEW


def test_triage_writes_history_label_and_audit(cappers, actor, staff_user):
    analyst = staff_user("security_analyst", username="ana")
    case, _ = fraud_case_record(finding=_finding(cappers[:1], kind=FraudKind.LATE_POSTING), actor=actor)

    fraud_case_triage(case=case, actor=actor, status=CaseStatus.INVESTIGATING, assignee="ana")
    fraud_case_triage(case=case, actor=actor, status=CaseStatus.CONFIRMED, note="Posted after the goal.")

    case.refresh_from_db()
    assert (case.status, case.assignee) == (CaseStatus.CONFIRMED, analyst)
    assert list(FraudCaseEvent.objects.filter(case=case).values_list("action", "from_status", "to_status")) == [
        (CaseAction.DETECTED, "", CaseStatus.NEW),
        (CaseAction.STATUS_CHANGED, CaseStatus.NEW, CaseStatus.INVESTIGATING),
        (CaseAction.ASSIGNED, "", ""),
        (CaseAction.STATUS_CHANGED, CaseStatus.INVESTIGATING, CaseStatus.CONFIRMED),
    ]
    assert list(FraudLabel.objects.values_list("kind", "verdict")) == [(FraudKind.LATE_POSTING, CaseStatus.CONFIRMED)]
    triaged = AuditEvent.objects.filter(action="fraud.case_triaged").order_by("id")
    assert [event.changes["status"]["after"] for event in triaged] == [CaseStatus.INVESTIGATING, CaseStatus.CONFIRMED]
    assert triaged.last().reason == "Posted after the goal."
    assert triaged.last().guild_id == cappers[0].tenant.guild_id


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": CaseStatus.NEW}, "invalid_transition"),
        ({"status": CaseStatus.INVESTIGATING, "assignee": "nobody"}, "unknown_assignee"),
    ],
)
def test_a_refused_triage_changes_nothing(cappers, actor, changes, code):
    case, _ = fraud_case_record(finding=_finding(cappers[:1]), actor=actor)
    fraud_case_triage(case=case, actor=actor, status=CaseStatus.DISMISSED)
    before = (AuditEvent.objects.count(), FraudCaseEvent.objects.count(), FraudLabel.objects.count())

    with pytest.raises(ApplicationError) as refused:
        fraud_case_triage(case=case, actor=actor, **changes)

    assert refused.value.code == code
    case.refresh_from_db()
    assert case.status == CaseStatus.DISMISSED
    assert (AuditEvent.objects.count(), FraudCaseEvent.objects.count(), FraudLabel.objects.count()) == before


def test_precision_per_detector_comes_from_the_latest_verdicts(cappers, actor):
    verdicts = [CaseStatus.CONFIRMED, CaseStatus.CONFIRMED, CaseStatus.DISMISSED]
    for capper, verdict in zip(cappers, verdicts, strict=True):
        case, _ = fraud_case_record(finding=_finding([capper], kind=FraudKind.BOT_ACTIVITY), actor=actor)
        fraud_case_triage(case=case, actor=actor, status=verdict)
    reopened = FraudCase.objects.filter(status=CaseStatus.DISMISSED).get()
    fraud_case_triage(case=reopened, actor=actor, status=CaseStatus.INVESTIGATING)
    fraud_case_triage(case=reopened, actor=actor, status=CaseStatus.CONFIRMED)  # the analyst changed their mind

    report = {row["kind"]: row for row in detector_precision()}

    assert report["bot_activity"] | {} == {
        "kind": "bot_activity", "label": "Bot activity", "confirmed": 3, "dismissed": 0, "precision": 1.0,
    }  # fmt: skip
    assert report["copy_ring"]["precision"] is None
