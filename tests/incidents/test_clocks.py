"""Regulatory clocks (issue #13 item 6): GDPR Art. 33's 72 hours from awareness, NIS2's 24-hour early warning
for high severity, reminders at 50 % and 90 % once each, overdue, the record of the notices, the compliance
check that fails while a clock is overdue."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.checks.registry import checks_for
from apps.compliance.services.runs import check_run_execute
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import ClockStatus
from apps.incidents.models import ClockDefinition, Incident, IncidentNotification, RegulatoryClock, TimelineEntry
from apps.incidents.services.clocks import clock_aware_at_change, clock_record_notice, clocks_sweep
from apps.incidents.signals import incident_updated
from apps.notifications.choices import EventKind
from apps.notifications.models import Notification
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

CHECK_ID = "incidents.regulatory_clocks"


def _clock(incident, regulation="gdpr-art-33") -> RegulatoryClock:
    return RegulatoryClock.objects.get(incident=incident, regulation=regulation)


def _clock_notifications(incident) -> list[str]:
    return list(
        Notification.objects.filter(kind=EventKind.INCIDENT_CLOCK, key__startswith=f"incident:{incident.pk}:")
        .order_by("id")
        .values_list("key", flat=True)
    )


def test_the_default_clock_definitions_are_shipped():
    rows = {row.regulation: row for row in ClockDefinition.objects.all()}
    assert (rows["gdpr-art-33"].hours, rows["gdpr-art-33"].requires_personal_data) == (72, True)
    assert (rows["nis2-early-warning"].hours, rows["nis2-early-warning"].min_severity) == (24, "high")


def test_personal_data_starts_a_72_hour_clock_from_awareness_and_high_severity_a_24_hour_one(declare):
    incident = declare(personal_data_involved=True, severity="high")

    gdpr, nis2 = _clock(incident), _clock(incident, "nis2-early-warning")

    assert (gdpr.started_at, gdpr.due_at) == (incident.aware_at, incident.aware_at + timedelta(hours=72))
    assert nis2.due_at == incident.aware_at + timedelta(hours=24)
    assert gdpr.status == nis2.status == ClockStatus.RUNNING
    assert TimelineEntry.objects.filter(incident=incident, kind="clock").count() == 2
    assert AuditEvent.objects.filter(action="incidents.clock_started").count() == 2


def test_no_clock_runs_for_a_low_incident_without_personal_data_until_personal_data_is_involved(declare):
    incident = declare(personal_data_involved=False, severity="low")
    assert not RegulatoryClock.objects.exists()

    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(personal_data_involved=True)
        incident.refresh_from_db()
        changes = {"personal_data_involved": {"before": False, "after": True}}
        incident_updated.send(sender=Incident, incident=incident, actor=Actor.system("test"), changes=changes)

    assert list(incident.clocks.values_list("regulation", flat=True)) == ["gdpr-art-33"]


def test_reminders_at_50_and_90_percent_once_each_then_overdue(declare, staff_user):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER)
    incident = declare(personal_data_involved=True, severity="medium")
    start = incident.aware_at
    at = lambda hours: start + timedelta(hours=hours)  # noqa: E731

    assert clocks_sweep(now=at(35)) == 0
    assert clocks_sweep(now=at(36)) == 1
    assert clocks_sweep(now=at(40)) == 0
    assert _clock_notifications(incident) == [f"incident:{incident.pk}:clock:gdpr-art-33:50"]
    assert clocks_sweep(now=at(64.8)) == 1
    assert clocks_sweep(now=at(70)) == 0
    clock = _clock(incident)
    assert (clock.reminded_50_at, clock.reminded_90_at) == (at(36), at(64.8))
    assert clock.status == ClockStatus.RUNNING
    assert clocks_sweep(now=at(72)) == 1
    assert clocks_sweep(now=at(80)) == 0

    clock.refresh_from_db()
    assert (clock.status, clock.overdue_at) == (ClockStatus.OVERDUE, at(72))
    assert [key.rsplit(":", 1)[1] for key in _clock_notifications(incident)] == ["50", "90", "overdue"]
    notification = Notification.objects.get(key=f"incident:{incident.pk}:clock:gdpr-art-33:90")
    assert notification.payload["clock"] == clock.name and notification.payload["state"] == "90% elapsed"
    assert notification.inbox_items.filter(user=officer).exists()
    assert IncidentNotification.objects.filter(incident=incident, reason="clock_reminder").count() == 2
    assert IncidentNotification.objects.filter(incident=incident, reason="clock_overdue").count() == 1


def test_a_sweep_that_first_sees_a_clock_past_90_percent_sends_one_reminder(declare):
    incident = declare(personal_data_involved=True, severity="low")
    assert clocks_sweep(now=incident.aware_at + timedelta(hours=70)) == 1
    assert clocks_sweep(now=incident.aware_at + timedelta(hours=71)) == 0
    assert [key.rsplit(":", 1)[1] for key in _clock_notifications(incident)] == ["90"]


def test_an_overdue_clock_fails_the_compliance_check_until_the_notice_is_recorded(declare, actor):
    [check] = checks_for(check_id=CHECK_ID)
    assert check_run_execute(check=check).status == "pass"
    now = timezone.now()
    incident = declare(personal_data_involved=True, severity="low", aware_at=now - timedelta(hours=73))
    clocks_sweep(now=now)

    failed = check_run_execute(check=check)

    assert failed.status == "fail"
    assert incident.reference in failed.summary
    [row] = failed.evidence["overdue"]
    assert (row["regulation"], row["status"], row["incident"]) == ("gdpr-art-33", "overdue", incident.reference)
    notice_at = now - timedelta(minutes=1)
    clock = clock_record_notice(
        clock=_clock(incident), actor=actor, authority_notified_at=notice_at, authority_notice="DPA portal, ref 77"
    )
    assert clock.status == ClockStatus.LATE
    assert check_run_execute(check=check).status == "pass"


def test_the_check_lists_running_clocks_as_evidence(declare):
    incident = declare(personal_data_involved=True, severity="low")
    [check] = checks_for(check_id=CHECK_ID)
    run = check_run_execute(check=check)
    assert run.status == "pass"
    assert [row["incident"] for row in run.evidence["running"]] == [incident.reference]
    assert "gdpr:Art.33" in check.requirements


def test_a_notice_in_time_meets_the_clock(declare, actor):
    incident = declare(personal_data_involved=True, severity="low")
    told = timezone.now() - timedelta(seconds=5)
    clock = clock_record_notice(
        clock=_clock(incident),
        actor=actor,
        authority_notified_at=told,
        authority_notice="e-mail to the DPA, ref 2026-001",
        subjects_notified_at=told,
        subjects_notice="e-mail to the 12 members affected",
    )
    assert clock.status == ClockStatus.MET
    assert (clock.authority_notified_at, clock.subjects_notice) == (told, "e-mail to the 12 members affected")
    assert clocks_sweep(now=clock.due_at + timedelta(hours=1)) == 0
    assert AuditEvent.objects.filter(action="incidents.clock_notice_recorded", target_id=str(clock.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Give when the authority or the data subjects were told."),
        ({"authority_notified_at": "future"}, "cannot have been told in the future"),
        ({"authority_notified_at": "past", "authority_notice": " "}, "Say how the authority were told"),
    ],
)
def test_a_bad_notice_is_refused_and_writes_nothing(declare, actor, fields, message):
    incident = declare(personal_data_involved=True, severity="low")
    moments = {"future": timezone.now() + timedelta(hours=1), "past": timezone.now() - timedelta(hours=1)}
    fields = {name: moments.get(value, value) for name, value in fields.items()}
    with pytest.raises(ApplicationError, match=message):
        clock_record_notice(clock=_clock(incident), actor=actor, **fields)
    clock = _clock(incident)
    assert (clock.status, clock.authority_notified_at) == (ClockStatus.RUNNING, None)


def test_moving_the_moment_of_awareness_needs_a_reason_and_recomputes_the_deadlines(declare, actor):
    incident = declare(personal_data_involved=True, severity="critical")
    earlier = incident.aware_at - timedelta(hours=30)

    with pytest.raises(ApplicationError, match="give a reason"):
        clock_aware_at_change(incident=incident, actor=actor, aware_at=earlier, reason="  ")
    assert _clock(incident).started_at == incident.aware_at

    clock_aware_at_change(incident=incident, actor=actor, aware_at=earlier, reason="the first report was on Friday")

    incident.refresh_from_db()
    gdpr, nis2 = _clock(incident), _clock(incident, "nis2-early-warning")
    assert incident.aware_at == earlier
    assert (gdpr.started_at, gdpr.due_at, gdpr.status) == (earlier, earlier + timedelta(hours=72), "running")
    assert (nis2.due_at, nis2.status) == (earlier + timedelta(hours=24), ClockStatus.OVERDUE)
    assert gdpr.start_change_reason == "the first report was on Friday"
    event = AuditEvent.objects.get(action="incidents.clock_aware_at_changed")
    assert event.reason == "the first report was on Friday"
    assert TimelineEntry.objects.filter(incident=incident, message__contains="the first report was on Friday").exists()


def test_awareness_cannot_move_into_the_future(declare, actor):
    incident = declare(personal_data_involved=True)
    with pytest.raises(ApplicationError, match="future"):
        clock_aware_at_change(
            incident=incident, actor=actor, aware_at=timezone.now() + timedelta(hours=1), reason="typo"
        )


def test_a_clock_definition_edited_in_the_admin_is_validated_and_audited(staff_user):
    client = verified_client(staff_user(StaffRole.SUPERUSER))
    definition = ClockDefinition.objects.get(regulation="nis2-early-warning")
    url = f"/admin/incidents/clockdefinition/{definition.pk}/change/"
    form = {"regulation": definition.regulation, "name": definition.name, "hours": "12", "kinds": "[]",
            "min_severity": "high", "is_active": "on"}  # fmt: skip

    assert client.post(url, {**form, "kinds": '["phishing"]'}).status_code in (200, 302)
    definition.refresh_from_db()
    assert definition.hours == 24

    assert client.post(url, form).status_code == 302
    definition.refresh_from_db()
    assert definition.hours == 12
    event = AuditEvent.objects.get(action="incidents.clock_definition_saved")
    assert event.changes == {"hours": {"before": 24, "after": 12}}
