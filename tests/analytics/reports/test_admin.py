"""BI report definitions in the admin go through the service (beat row and audit event); a bad form shows the
service's message under the field and writes nothing; "run now" queues the task through the outbox."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.accounts.choices import StaffRole
from apps.analytics.models import ReportDefinition
from apps.audit.models import AuditEvent
from apps.core.models import OutboxMessage
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

ADD = reverse("admin:analytics_reportdefinition_add")


@pytest.fixture
def admin_client(staff_user):
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


def _form(tenant, **changes) -> dict:
    return {
        "tenant": str(tenant.pk),
        "name": "Admin weekly",
        "template": "tenant_executive",
        "period": "last_30_days",
        "formats": ["pdf", "xlsx"],
        "recipients": "cfo@dbsbm.test",
        "cron": "0 5 * * *",
        "is_enabled": "on",
        **changes,
    }


def test_adding_a_definition_goes_through_the_service(admin_client, tenant):
    response = admin_client.post(ADD, _form(tenant))

    assert response.status_code == 302
    definition = ReportDefinition.objects.get(name="Admin weekly")
    assert (definition.tenant, definition.period, definition.formats) == (tenant, "last_30_days", ["pdf", "xlsx"])
    assert definition.periodic_task.crontab.hour == "5"
    event = AuditEvent.objects.get(action="analytics.report_definition_created")
    assert (event.actor_label, event.guild_id) == ("root", tenant.guild_id)

    changelist = reverse("admin:analytics_reportdefinition_changelist")
    admin_client.post(changelist, {"action": "run_now", "_selected_action": [definition.pk]})
    assert OutboxMessage.objects.get(task_name="apps.analytics.tasks.report_run_task").args == [definition.pk]
    assert AuditEvent.objects.filter(action="analytics.report_run_requested").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cron": "daily"}, "cron", "is not a valid cron schedule"),
        ({"template": "platform_business"}, "template", "choose one of tenant_executive"),
        ({"recipients": "nobody"}, "recipients", "'nobody' is not a valid e-mail address."),
    ],
)
def test_a_bad_admin_form_shows_the_message_and_writes_nothing(admin_client, tenant, changes, field, message):
    before = (ReportDefinition.objects.count(), PeriodicTask.objects.count(), AuditEvent.objects.count())

    response = admin_client.post(ADD, _form(tenant, **changes))

    assert response.status_code == 200
    assert any(message in error for error in response.context["adminform"].form.errors[field])
    assert (ReportDefinition.objects.count(), PeriodicTask.objects.count(), AuditEvent.objects.count()) == before
