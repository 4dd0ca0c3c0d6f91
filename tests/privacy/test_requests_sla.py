"""SLA of data-subject requests: due-soon and overdue alerts from the beat job, and the compliance selector."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.core.beat import declared_schedules
from apps.privacy.choices import PrivacyAlertKind, RequestKind
from apps.privacy.models import DataSubjectRequest, PrivacyAlert
from apps.privacy.selectors.requests import overdue_requests, requests_due_soon
from apps.privacy.services.requests import request_receive, request_reject
from apps.privacy.services.sla import privacy_deadlines_check
from apps.privacy.tasks import privacy_deadlines_task
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("sla test")


@pytest.fixture
def officer(verifier):
    """Rejecting is a staff person's act."""
    return verifier


@pytest.fixture
def requests_by_age(tenant, officer):
    """Four open requests received 40, 27, 10 and 1 day(s) ago (due 30 days after), and a closed overdue one."""
    made = {}
    for days in (40, 27, 10, 1):
        member = MemberFactory(tenant=tenant)
        dsr = request_receive(actor=ACTOR, member=member, kind=RequestKind.ACCESS)
        received = timezone.now() - timedelta(days=days)
        DataSubjectRequest.objects.filter(pk=dsr.pk).update(received_at=received, due_at=received + timedelta(days=30))
        made[days] = DataSubjectRequest.objects.get(pk=dsr.pk)
    closed = request_receive(actor=ACTOR, member=MemberFactory(tenant=tenant), kind=RequestKind.ERASURE)
    DataSubjectRequest.objects.filter(pk=closed.pk).update(
        received_at=timezone.now() - timedelta(days=60), due_at=timezone.now() - timedelta(days=30)
    )
    request_reject(request=closed, actor=officer, reason="duplicate")
    return made


def test_the_selectors_find_overdue_and_due_soon_open_requests(requests_by_age):
    assert list(overdue_requests()) == [requests_by_age[40]]
    assert list(requests_due_soon()) == [requests_by_age[27]]


def test_the_job_raises_one_alert_per_late_request_and_refreshes_it_on_the_next_run(requests_by_age):
    first = privacy_deadlines_check()
    second = privacy_deadlines_check()

    alerts = PrivacyAlert.objects.order_by("kind")
    assert [(alert.kind, alert.request_id, alert.seen_count) for alert in alerts] == [
        (PrivacyAlertKind.REQUEST_DUE_SOON, requests_by_age[27].pk, 2),
        (PrivacyAlertKind.REQUEST_OVERDUE, requests_by_age[40].pk, 2),
    ]
    assert (first.raised, first.refreshed, second.raised, second.refreshed) == (2, 0, 0, 2)
    overdue = PrivacyAlert.objects.get(kind=PrivacyAlertKind.REQUEST_OVERDUE)
    assert "overdue by 10 day(s)" in overdue.message
    assert AuditEvent.objects.filter(action="privacy.alert_raised").count() == 2


def test_alerts_resolve_when_the_request_is_closed_or_moves_on(requests_by_age, officer):
    privacy_deadlines_check()
    request_reject(request=requests_by_age[40], actor=officer, reason="could not verify identity")
    # the due-soon request is now overdue: its due-soon alert resolves, an overdue one opens
    DataSubjectRequest.objects.filter(pk=requests_by_age[27].pk).update(due_at=timezone.now() - timedelta(hours=1))

    report = privacy_deadlines_check()

    open_alerts = PrivacyAlert.objects.filter(resolved_at__isnull=True)
    assert [(alert.kind, alert.request_id) for alert in open_alerts] == [
        (PrivacyAlertKind.REQUEST_OVERDUE, requests_by_age[27].pk)
    ]
    assert report.resolved == 2


def test_the_beat_job_is_declared_and_runs_the_check(requests_by_age):
    declared = {entry["task"] for entry in declared_schedules()}

    raised = privacy_deadlines_task.delay().get()

    assert "apps.privacy.tasks.privacy_deadlines_task" in declared
    assert raised == 2
