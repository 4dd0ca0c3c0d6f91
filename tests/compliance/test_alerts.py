"""Compliance alerts: rules validated, raised from recorded check runs and scores, deduplicated,
e-mailed over real SMTP, acknowledged, escalated by beat when not acknowledged in time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.checks.registry import CheckDefinition, CheckResult
from apps.compliance.choices import AlertCondition, AlertPriority, AlertStatus, Severity
from apps.compliance.models import AlertRule, ComplianceAlert, Framework, Requirement
from apps.compliance.selectors.alerts import alert_counts, open_alerts
from apps.compliance.services.alerts import (
    alert_acknowledge,
    alert_resolve,
    alert_rule_save,
    alerts_escalate_overdue,
    alerts_evaluate_scores,
)
from apps.compliance.services.runs import check_run_execute
from apps.compliance.signals import compliance_alert_changed
from apps.core.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db


def _check(status: str, severity: str = Severity.HIGH, check_id: str = "test.mfa") -> CheckDefinition:
    result = CheckResult(status, f"{check_id} says {status}", {"accounts": ["root"]})
    return CheckDefinition(
        id=check_id,
        title="test check",
        severity=severity,
        frequency_minutes=60,
        requirements=("testfw:AC-1",),
        version="1",
        function=lambda now: result,
    )


def _run(django_capture_on_commit_callbacks, status: str, **kwargs):
    """Record a check run the way the check runner does; its signal's receivers run after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return check_run_execute(check=_check(status, **kwargs), trigger="manual")


def _rule(actor, **values) -> AlertRule:
    defaults = {
        "name": "High failures",
        "condition": AlertCondition.CHECK_FAILED,
        "minimum_severity": Severity.HIGH,
        "priority": AlertPriority.HIGH,
        "recipients": ["oncall@dbsbm.test"],
        "escalation_recipients": ["ciso@dbsbm.test"],
        "acknowledgment_minutes": 30,
    }
    return alert_rule_save(rule=AlertRule(**(defaults | values)), actor=actor)


@pytest.fixture
def changes():
    """The compliance_alert_changed signals sent: [(alert_id, status, change)]."""
    sent = []

    def receive(sender, alert_id, status, change, **kwargs):
        sent.append((alert_id, status, change))

    compliance_alert_changed.connect(receive, weak=False, dispatch_uid="test.alert_changes")
    yield sent
    compliance_alert_changed.disconnect(dispatch_uid="test.alert_changes")


@pytest.fixture
def requirement(db):
    framework = Framework.objects.create(id="testfw", name="Test framework", version="1")
    return Requirement.objects.create(framework=framework, ref="AC-1", title="Access control")


def test_a_failing_check_raises_one_alert_and_emails_recipients_and_role(
    actor,
    officer,  # noqa: F811
    smtp_server,  # noqa: F811
    changes,
    django_capture_on_commit_callbacks,
):
    rule = _rule(actor, recipient_role=StaffRole.COMPLIANCE_OFFICER)

    run = _run(django_capture_on_commit_callbacks, "fail", severity=Severity.CRITICAL)

    alert = ComplianceAlert.objects.get()
    assert (alert.rule, alert.subject, alert.status, alert.priority) == (rule, "check:test.mfa", "open", "high")
    assert alert.details["check_run_id"] == run.pk and alert.details["evidence_sha256"] == run.evidence_sha256
    assert alert.acknowledge_by == alert.raised_at + timedelta(minutes=30)
    assert changes == [(alert.pk, "open", "raised")]
    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert sorted(mail.recipients) == ["officer@dbsbm.test", "oncall@dbsbm.test"]
    assert mail.message["Subject"] == "[DBSBM compliance] HIGH: High failures"
    assert "test.mfa says fail" in mail.message.get_body(("plain",)).get_content()
    assert AuditEvent.objects.filter(action="compliance.alert_raised", target_id=str(alert.pk)).count() == 1


def test_a_repeated_failure_updates_the_open_alert_and_tells_nobody_again(
    actor,
    smtp_server,  # noqa: F811
    changes,
    django_capture_on_commit_callbacks,
):
    _rule(actor)

    _run(django_capture_on_commit_callbacks, "fail")
    second = _run(django_capture_on_commit_callbacks, "fail")

    alert = ComplianceAlert.objects.get()
    assert (alert.occurrence_count, alert.details["check_run_id"]) == (2, second.pk)
    assert len(smtp_server.mails) == 1 and len(changes) == 1


@pytest.mark.parametrize(
    ("rule_values", "severity", "check_id", "raised"),
    [
        ({"minimum_severity": Severity.HIGH}, Severity.MEDIUM, "test.mfa", False),
        ({"minimum_severity": Severity.HIGH}, Severity.HIGH, "test.mfa", True),
        ({"minimum_severity": Severity.LOW}, Severity.LOW, "test.mfa", True),
        ({"check_id": "test.other"}, Severity.CRITICAL, "test.mfa", False),
        ({"check_id": "test.mfa"}, Severity.CRITICAL, "test.mfa", True),
        ({"is_enabled": False}, Severity.CRITICAL, "test.mfa", False),
    ],
)
def test_check_rules_match_on_severity_and_check(
    actor, django_capture_on_commit_callbacks, rule_values, severity, check_id, raised
):
    _rule(actor, **rule_values)

    _run(django_capture_on_commit_callbacks, "fail", severity=severity, check_id=check_id)

    assert ComplianceAlert.objects.count() == int(raised)


def test_a_passing_run_resolves_the_alert_and_an_error_run_does_not(actor, changes, django_capture_on_commit_callbacks):
    _rule(actor)
    _run(django_capture_on_commit_callbacks, "fail")

    _run(django_capture_on_commit_callbacks, "error")
    assert ComplianceAlert.objects.get().status == AlertStatus.OPEN

    _run(django_capture_on_commit_callbacks, "pass")
    alert = ComplianceAlert.objects.get()
    assert (alert.status, alert.resolution_note, alert.resolved_by) == ("resolved", "Condition cleared.", None)
    assert [change for _, _, change in changes] == ["raised", "resolved"]

    _run(django_capture_on_commit_callbacks, "fail")
    assert ComplianceAlert.objects.filter(status=AlertStatus.OPEN).count() == 1
    assert ComplianceAlert.objects.count() == 2


def test_a_requirement_rule_raises_for_failing_evidence_of_its_requirement(
    actor, requirement, django_capture_on_commit_callbacks
):
    _rule(actor, name="AC-1 failing", condition=AlertCondition.REQUIREMENT_FAILING, requirement_key=requirement.key)

    _run(django_capture_on_commit_callbacks, "fail", severity=Severity.LOW)

    assert list(ComplianceAlert.objects.values_list("subject", flat=True)) == ["requirement:testfw:AC-1"]


def test_score_rules_raise_below_the_threshold_and_clear_above(actor, requirement):
    rule = _rule(actor, name="GDPR below 80", condition=AlertCondition.FRAMEWORK_SCORE_BELOW, score_threshold=80)

    raised = alerts_evaluate_scores(
        scores=[{"id": "testfw", "score": 62.5}, {"id": "other", "score": None}], actor=actor
    )

    assert [(alert.subject, alert.details["score"]) for alert in raised] == [("framework:testfw", 62.5)]
    assert raised[0].summary == "testfw scores 62.5, below 80."
    alerts_evaluate_scores(scores=[{"id": "testfw", "score": 85.0}], actor=actor)
    assert ComplianceAlert.objects.get(rule=rule).status == AlertStatus.RESOLVED


def test_an_unacknowledged_alert_escalates_and_tells_the_escalation_recipients(
    actor,
    smtp_server,  # noqa: F811
    changes,
    django_capture_on_commit_callbacks,
):
    _rule(actor)
    _run(django_capture_on_commit_callbacks, "fail")
    alert = ComplianceAlert.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        early = alerts_escalate_overdue(actor=actor, now=alert.acknowledge_by - timedelta(minutes=1))
        late = alerts_escalate_overdue(actor=actor, now=alert.acknowledge_by + timedelta(minutes=1))

    alert.refresh_from_db()
    assert (early, late, alert.status) == (0, 1, AlertStatus.ESCALATED)
    assert alert.escalated_at == alert.acknowledge_by + timedelta(minutes=1)
    assert [mail.recipients for mail in smtp_server.mails] == [["oncall@dbsbm.test"], ["ciso@dbsbm.test"]]
    assert smtp_server.mails[1].message["Subject"] == "[DBSBM compliance] ESCALATED (high): High failures"
    assert [change for _, _, change in changes] == ["raised", "escalated"]
    assert AuditEvent.objects.filter(action="compliance.alert_escalated", target_id=str(alert.pk)).count() == 1


def test_an_acknowledged_alert_does_not_escalate(actor, officer, django_capture_on_commit_callbacks):  # noqa: F811
    _rule(actor)
    _run(django_capture_on_commit_callbacks, "fail")
    alert = alert_acknowledge(alert=ComplianceAlert.objects.get(), user=officer, actor=actor)

    escalated = alerts_escalate_overdue(actor=actor, now=alert.acknowledge_by + timedelta(days=1))

    alert.refresh_from_db()
    assert (escalated, alert.status, alert.acknowledged_by) == (0, AlertStatus.ACKNOWLEDGED, officer)
    with pytest.raises(ConflictError, match="only an open or escalated alert can be acknowledged"):
        alert_acknowledge(alert=alert, user=officer, actor=actor)
    with pytest.raises(ApplicationError, match="Say how the alert was resolved"):
        alert_resolve(alert=alert, user=officer, actor=actor)
    alert_resolve(alert=alert, user=officer, actor=actor, note="MFA enrolled for root")
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.resolution_note) == ("resolved", officer, "MFA enrolled for root")


def test_open_alerts_lists_escalated_then_by_priority(actor, django_capture_on_commit_callbacks):
    low = _rule(actor, name="low", priority=AlertPriority.LOW, check_id="test.a")
    critical = _rule(actor, name="critical", priority=AlertPriority.CRITICAL, check_id="test.b")
    escalating = _rule(actor, name="medium", priority=AlertPriority.MEDIUM, check_id="test.c")
    for check_id in ("test.a", "test.b", "test.c"):
        _run(django_capture_on_commit_callbacks, "fail", check_id=check_id)
    alerts_escalate_overdue(actor=actor, now=timezone.now() + timedelta(minutes=31))
    alert_resolve(alert=ComplianceAlert.objects.get(rule=low), actor=actor)
    _run(django_capture_on_commit_callbacks, "fail", check_id="test.a")

    assert [alert.rule for alert in open_alerts()] == [critical, escalating, low]
    assert alert_counts() == {"acknowledged": 0, "escalated": 2, "open": 1}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"recipients": [], "recipient_role": ""}, "recipients", "Name at least one recipient"),
        ({"recipients": ["nope"]}, "recipients", "'nope' is not a valid e-mail address"),
        ({"recipient_role": "janitor"}, "recipient_role", "Unknown role 'janitor'"),
        ({"condition": AlertCondition.FRAMEWORK_SCORE_BELOW}, "score_threshold", "needs a threshold between 0 and 100"),
        (
            {"condition": AlertCondition.FRAMEWORK_SCORE_BELOW, "score_threshold": 120},
            "score_threshold",
            "threshold between 0 and 100",
        ),
        ({"condition": AlertCondition.REQUIREMENT_FAILING}, "requirement_key", "needs an existing requirement"),
        (
            {"condition": AlertCondition.REQUIREMENT_FAILING, "requirement_key": "gdpr:nope"},
            "requirement_key",
            "not 'gdpr:nope'",
        ),
        ({"acknowledgment_minutes": 0}, "acknowledgment_minutes", "at least one minute"),
        ({"minimum_severity": "urgent"}, "minimum_severity", "Choose a severity"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_written(actor, values, field, message):
    with pytest.raises(ApplicationError) as refused:
        _rule(actor, **values)

    assert message in refused.value.message and list(refused.value.fields) == [field]
    assert not AlertRule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="compliance.alert_rule").exists()


def test_rule_changes_are_audited(actor):
    rule = _rule(actor)
    rule.acknowledgment_minutes = 15
    alert_rule_save(rule=rule, actor=actor)

    event = AuditEvent.objects.get(action="compliance.alert_rule_updated")
    assert event.changes == {"acknowledgment_minutes": {"before": 30, "after": 15}}
