"""The BI report pages of the portal: scoped by tenant in every URL and read, permission-checked, audited;
a bad form is shown again with its messages and writes nothing."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.analytics.models import ReportDefinition
from apps.analytics.services.reports import report_definition_create, report_run
from apps.audit.models import AuditEvent
from apps.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Monday executive",
    "template": "tenant_executive",
    "period": "last_7_days",
    "formats": ["pdf", "xlsx"],
    "recipients": "cfo@dbsbm.test, owner@dbsbm.test",
    "cron": "0 6 * * 1",
    "is_enabled": "on",
}


def _scope_url(scope: str) -> str:
    return reverse("portal:analytics_reports_scope", kwargs={"scope": scope})


def _file_url(scope: str, report_file) -> str:
    return reverse("portal:analytics_report_file", kwargs={"scope": scope, "file_id": report_file.pk})


def _run(actor, tenant, name="Weekly"):
    template = "tenant_executive" if tenant is not None else "platform_business"
    definition = report_definition_create(actor=actor, tenant=tenant, name=name, template=template, formats=["pdf"])
    return report_run(definition=definition, actor=actor)


def _counts() -> tuple[int, int, int]:
    return ReportDefinition.objects.count(), PeriodicTask.objects.count(), AuditEvent.objects.count()


def test_an_officer_defines_a_report_for_a_tenant_through_the_service(officer_client, tenant):
    response = officer_client.post(reverse("portal:analytics_report_create", kwargs={"scope": tenant.guild_id}), FORM)

    assert response.status_code == 302 and response["Location"] == _scope_url(tenant.guild_id)
    definition = ReportDefinition.objects.get(tenant=tenant)
    assert (definition.name, definition.formats, definition.recipients, definition.cron) == (
        "Monday executive",
        ["pdf", "xlsx"],
        ["cfo@dbsbm.test", "owner@dbsbm.test"],
        "0 6 * * 1",
    )
    assert definition.periodic_task.task == "apps.analytics.tasks.report_run_task"
    event = AuditEvent.objects.get(action="analytics.report_definition_created")
    assert (event.actor_label, event.guild_id) == ("officer", tenant.guild_id)
    page = officer_client.get(_scope_url(tenant.guild_id)).content.decode()
    assert f'data-definition="{definition.pk}"' in page and "0 6 * * 1" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cron": "mondays"}, "is not a valid cron schedule"),
        ({"recipients": "cfo@dbsbm.test, nobody"}, "&#x27;nobody&#x27; is not a valid e-mail address."),
        ({"template": "platform_business"}, "Select a valid choice."),
        ({"formats": []}, "This field is required."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_form_comes_back_with_its_message_and_writes_nothing(officer_client, tenant, changes, message):
    before = _counts()

    response = officer_client.post(
        reverse("portal:analytics_report_create", kwargs={"scope": tenant.guild_id}), {**FORM, **changes}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _counts() == before


def test_a_name_taken_in_the_scope_is_a_conflict(officer_client, actor, tenant):
    report_definition_create(actor=actor, tenant=tenant, name="Monday executive", template="tenant_executive")
    before = _counts()

    response = officer_client.post(reverse("portal:analytics_report_create", kwargs={"scope": tenant.guild_id}), FORM)

    assert response.status_code == 409
    assert "A report named &#x27;Monday executive&#x27; already exists for Home Guild." in response.content.decode()
    assert _counts() == before


def test_run_now_queues_the_task_through_the_outbox_and_is_audited(officer_client, actor, tenant):
    definition = report_definition_create(actor=actor, tenant=tenant, name="Weekly", template="tenant_executive")
    url = reverse("portal:analytics_report_run", kwargs={"scope": tenant.guild_id, "definition_id": definition.pk})

    response = officer_client.post(url)

    assert response.status_code == 302
    queued = OutboxMessage.objects.get(task_name="apps.analytics.tasks.report_run_task")
    assert queued.args == [definition.pk]
    assert AuditEvent.objects.filter(action="analytics.report_run_requested", target_id=str(definition.pk)).exists()


def test_a_download_is_the_stored_file_with_its_sha256_and_is_audited(officer_client, actor, tenant, media_root):
    pdf = _run(actor, tenant).files.get()

    response = officer_client.get(_file_url(tenant.guild_id, pdf))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body).hexdigest() == pdf.sha256 == response["X-Content-SHA256"]
    event = AuditEvent.objects.get(action="analytics.report_downloaded")
    assert (event.target_id, event.guild_id, event.actor_label) == (str(pdf.pk), tenant.guild_id, "officer")


def test_another_tenants_file_is_not_found_in_this_tenants_scope(
    officer_client, actor, tenant, other_tenant, media_root
):
    theirs = _run(actor, other_tenant).files.get()
    platform = _run(actor, None).files.get()
    before = AuditEvent.objects.count()

    assert officer_client.get(_file_url(tenant.guild_id, theirs)).status_code == 404
    assert officer_client.get(_file_url(tenant.guild_id, platform)).status_code == 404
    assert officer_client.get(_file_url("platform", theirs)).status_code == 404
    assert officer_client.get(_file_url("999999999999999999", theirs)).status_code == 404  # no such tenant
    assert AuditEvent.objects.count() == before  # nothing served, nothing recorded
    assert officer_client.get(_file_url(other_tenant.guild_id, theirs)).status_code == 200


def test_an_analyst_reads_tenant_reports_but_neither_defines_runs_nor_opens_the_platforms(
    analyst_client, actor, tenant, media_root
):
    pdf = _run(actor, tenant).files.get()
    platform = _run(actor, None, name="Platform weekly").files.get()
    before = _counts()

    assert analyst_client.get(_scope_url(tenant.guild_id)).status_code == 200
    assert analyst_client.get(_file_url(tenant.guild_id, pdf)).status_code == 200
    assert analyst_client.get(_scope_url("platform")).status_code == 403
    assert analyst_client.get(_file_url("platform", platform)).status_code == 403
    create = reverse("portal:analytics_report_create", kwargs={"scope": tenant.guild_id})
    assert analyst_client.post(create, FORM).status_code == 403
    run = reverse(
        "portal:analytics_report_run", kwargs={"scope": tenant.guild_id, "definition_id": pdf.run.definition_id}
    )
    assert analyst_client.post(run).status_code == 403
    assert _counts()[:2] == before[:2] and not OutboxMessage.objects.filter(task_name__contains="report_run").exists()
    index = analyst_client.get(reverse("portal:analytics_reports")).content.decode()
    assert 'data-scope="platform"' not in index and f'data-scope="{tenant.guild_id}"' in index


def test_the_index_opens_a_tenant_by_guild_id_and_refuses_anything_else(officer_client, tenant):
    index = reverse("portal:analytics_reports")

    assert officer_client.get(index, {"tenant": tenant.guild_id})["Location"] == _scope_url(tenant.guild_id)
    refused = officer_client.get(index, {"tenant": "../admin"})
    assert refused.status_code == 400 and "is not a guild id" in refused.content.decode()
    assert 'data-scope="platform"' in officer_client.get(index).content.decode()
    assert "BI reports" in officer_client.get(reverse("portal:dashboard")).content.decode()  # in the navigation


# session, user, groups (roles), OTP device, the permissions (user's and groups'), the tenant, the definitions
# with their latest run, the runs' count, page and files, and the messages: none of it per row
SCOPE_PAGE_BUDGET = 15


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_the_scope_page_costs_the_same_for_few_and_many_reports(officer_client, actor, tenant, media_root):
    _run(actor, tenant, name="First")
    officer_client.get(_scope_url(tenant.guild_id))  # the first page also caches the unread badge (one query, once)
    few = _queries(officer_client, _scope_url(tenant.guild_id))
    for number in range(4):
        _run(actor, tenant, name=f"More {number}")

    many = _queries(officer_client, _scope_url(tenant.guild_id))

    assert many == few <= SCOPE_PAGE_BUDGET
