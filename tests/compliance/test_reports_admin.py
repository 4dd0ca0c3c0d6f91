"""Reports, alerts and access reviews in the admin: every write goes through the audited service."""

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.choices import AlertStatus
from apps.compliance.models import AlertRule, ComplianceAlert, ReportDefinition
from apps.compliance.services.access_review import access_review_start
from apps.compliance.services.alerts import alert_raise, alert_rule_save
from tests.admin.helpers import action_data, admin_url
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

NEW_DEFINITION = {
    "name": "Monthly Art 30",
    "kind": "gdpr_article_30",
    "framework": "",
    "parameters": '{"controller": "DBSBM Ltd"}',
    "cron": "0 7 1 * *",
    "recipients": "dpo@dbsbm.test, ciso@dbsbm.test",
    "is_enabled": "on",
}


@pytest.fixture
def root(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root")


@pytest.fixture
def root_client(root) -> Client:
    return verified_client(root)


def test_adding_a_definition_in_the_admin_schedules_it_and_audits_the_user(root_client):
    response = root_client.post(admin_url(ReportDefinition, "add"), NEW_DEFINITION)

    assert response.status_code == 302
    definition = ReportDefinition.objects.get()
    assert definition.recipients == ["dpo@dbsbm.test", "ciso@dbsbm.test"]
    assert definition.parameters == {"controller": "DBSBM Ltd", "contact": ""}
    assert PeriodicTask.objects.get(pk=definition.periodic_task_id).crontab.day_of_month == "1"
    event = AuditEvent.objects.get(action="compliance.report_definition_created")
    assert (event.actor_kind, event.actor_label) == ("user", "root")


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("cron", "at seven", "'at seven' is not a valid cron schedule"),
        ("recipients", "dpo@dbsbm.test, nobody", "'nobody' is not a valid e-mail address."),
        ("parameters", '{"controler": "typo"}', "Unknown parameter(s) controler for a gdpr_article_30 report"),
    ],
)
def test_bad_definition_forms_show_the_error_and_write_nothing(root_client, field, value, error):
    response = root_client.post(admin_url(ReportDefinition, "add"), {**NEW_DEFINITION, field: value})

    assert response.status_code == 200
    assert error in response.context["adminform"].form.errors[field][0]
    assert not ReportDefinition.objects.exists() and not AuditEvent.objects.exists()


def test_acknowledging_alerts_in_the_admin_goes_through_the_service(actor, root, root_client):
    rule = alert_rule_save(rule=AlertRule(name="r", condition="check_failed", recipients=["a@dbsbm.test"]), actor=actor)
    alert, _ = alert_raise(rule=rule, subject="check:x", summary="x failed", details={}, actor=actor)

    root_client.post(admin_url(ComplianceAlert, "changelist"), action_data("acknowledge", alert))

    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, root)
    event = AuditEvent.objects.get(action="compliance.alert_acknowledged")
    assert event.actor_label == "root"
    assert event.changes["acknowledged_by"] == {"before": None, "after": "root"}


def test_revoking_my_own_access_in_the_admin_is_refused(actor, root, root_client):
    review, _ = access_review_start(actor=actor, reviewer=root)
    own = review.items.get(username="root")

    response = root_client.post(admin_url(type(own), "changelist"), action_data("revoke", own), follow=True)

    assert [str(m) for m in response.context["messages"]] == ["root: You cannot review your own account."]
    root.refresh_from_db()
    assert root.is_superuser and root.is_staff
    assert not AuditEvent.objects.filter(action="compliance.access_revoked").exists()
