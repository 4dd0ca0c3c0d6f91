"""Every alert source tells people through the notification layer (issue #12, item 2): security alerts
and fraud cases reach the security analysts, privacy deadlines the compliance officers, over real SMTP,
into their portal inbox and to the guild's Discord channel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.betting.services import capper_create
from apps.core.actors import Actor
from apps.fraud.choices import FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.services import fraud_case_record
from apps.notifications.choices import DeliveryStatus, EventKind
from apps.notifications.models import Delivery, DiscordChannel, InboxItem, Notification
from apps.privacy.choices import RequestKind
from apps.privacy.models import DataSubjectRequest
from apps.privacy.services.requests import request_receive
from apps.privacy.services.sla import privacy_deadlines_check
from tests.factories import MemberFactory
from tests.portal import data

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("notification sources test")


@pytest.fixture
def analyst(staff_user):
    return staff_user(StaffRole.SECURITY_ANALYST, username="analyst", email="analyst@dbsbm.test")


@pytest.fixture
def officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer", email="officer@dbsbm.test")


def test_a_new_security_alert_tells_the_security_analysts(
    analyst,
    officer,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        alert = data.security_alerts(1)[0]

    notification = Notification.objects.get(kind=EventKind.SECURITY_ALERT_RAISED)
    assert notification.key == f"security_alert:{alert.pk}"
    assert [mail.recipients for mail in smtp_server.mails] == [["analyst@dbsbm.test"]]
    assert smtp_server.mails[0].message["Subject"] == f"[DBSBM security] {alert.severity.upper()}: {alert.title}"
    assert list(InboxItem.objects.values_list("user", flat=True)) == [analyst.pk]


def test_a_repeated_security_detection_tells_nobody_again(
    analyst,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        data.security_alerts(1)
        data.security_alerts(1)  # the same rule and key within the suppression window: folded in

    assert Notification.objects.filter(kind=EventKind.SECURITY_ALERT_RAISED).count() == 1
    assert len(smtp_server.mails) == 1


def test_a_new_fraud_case_tells_the_analysts_and_the_guilds_discord_channel(
    tenant,
    analyst,
    httpserver,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    httpserver.expect_request("/api/webhooks/9/guild", method="POST").respond_with_data("", status=204)
    DiscordChannel.objects.create(tenant=tenant, webhook_url=httpserver.url_for("/api/webhooks/9/guild"))
    member = member_create(actor=ACTOR, tenant=tenant, discord_user_id="800000000000000001", username="m1")
    capper = capper_create(tenant=tenant, actor=ACTOR, discord_user_id=member.discord_user_id, username="m1")
    finding = Finding(FraudKind.LATE_POSTING, (capper.pk,), 0.8, "Posted after the start.", {"late": 3})

    with django_capture_on_commit_callbacks(execute=True):
        case, created = fraud_case_record(finding=finding, actor=ACTOR)
        fraud_case_record(finding=finding, actor=ACTOR)  # the same finding again: the open case is updated

    notification = Notification.objects.get(kind=EventKind.FRAUD_CASE_OPENED)
    assert (created, notification.key, notification.guild_id) == (True, f"fraud_case:{case.pk}", tenant.guild_id)
    assert [mail.recipients for mail in smtp_server.mails] == [["analyst@dbsbm.test"]]
    assert smtp_server.mails[0].message["Subject"] == f"[DBSBM integrity] New fraud case #{case.pk}: late_posting"
    discord = Delivery.objects.get(notification=notification, channel="discord")
    assert (discord.status, discord.response_status) == (DeliveryStatus.DELIVERED, 204)
    assert len(httpserver.log) == 1


def test_an_overdue_data_subject_request_tells_the_compliance_officers_once(
    tenant,
    analyst,
    officer,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    dsr = request_receive(actor=ACTOR, member=MemberFactory(tenant=tenant), kind=RequestKind.ACCESS)
    received = timezone.now() - timedelta(days=40)
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(received_at=received, due_at=received + timedelta(days=30))

    with django_capture_on_commit_callbacks(execute=True):
        privacy_deadlines_check()
        privacy_deadlines_check()  # refreshes the open alert: nobody is told again

    notification = Notification.objects.get(kind=EventKind.PRIVACY_DEADLINE)
    assert notification.guild_id == tenant.guild_id
    assert [mail.recipients for mail in smtp_server.mails] == [["officer@dbsbm.test"]]
    assert smtp_server.mails[0].message["Subject"].startswith("[DBSBM privacy] Data-subject request overdue: ")
    assert (
        f"request #{dsr.pk} is overdue by 10 day(s)" in smtp_server.mails[0].message.get_body(("plain",)).get_content()
    )
