"""Plan quotas: exports_per_day on the BI report runs asked for a tenant (portal "run now", admin action), and
the webhooks quota check the webhooks area calls; refusals name the plan and the limit."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.analytics.services.report_requests import report_run_request
from apps.analytics.services.reports import report_definition_create
from apps.audit.models import AuditEvent
from apps.core.models import OutboxMessage
from apps.tenants.choices import PlanCode
from apps.tenants.models import TenantQuotaUse
from apps.tenants.plans import PLANS
from apps.tenants.quotas import (
    EXPORTS_PER_DAY,
    QuotaExceeded,
    exports_quota_consume,
    exports_used_today,
)
from tests.factories import TenantFactory
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

RUN_TASK = "apps.analytics.tasks.report_run_task"


def test_every_plan_advertises_both_quotas():
    assert {code: (plan.webhooks, plan.exports_per_day) for code, plan in PLANS.items()} == {
        PlanCode.FREE: (0, 1),
        PlanCode.PREMIUM: (3, 10),
        PlanCode.PLATINUM: (10, 50),
        PlanCode.ENTERPRISE: (None, None),
    }


def test_exports_are_counted_per_tenant_day_and_refused_past_the_plan_with_retry_after_to_midnight():
    tenant = TenantFactory(guild_id="700000000000000001", plan_code=PlanCode.PREMIUM, timezone="America/New_York")
    now = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)  # 18:00 in New York: 6 hours to its midnight
    for expected in range(1, 11):
        assert exports_quota_consume(tenant=tenant, now=now) == expected

    with pytest.raises(QuotaExceeded) as refused:
        exports_quota_consume(tenant=tenant, now=now)

    error = refused.value
    assert (error.status_code, error.code, error.headers) == (429, "quota_exceeded", {"Retry-After": "21600"})
    assert error.message.startswith("The Premium plan allows 10 exports per day")
    assert exports_used_today(tenant=tenant, now=now) == 10
    next_day = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # past midnight in New York
    assert exports_quota_consume(tenant=tenant, now=next_day) == 1
    assert TenantQuotaUse.objects.filter(tenant=tenant, quota=EXPORTS_PER_DAY).count() == 2


def test_an_enterprise_tenant_has_no_export_limit():
    tenant = TenantFactory(guild_id="700000000000000002", plan_code=PlanCode.ENTERPRISE)
    assert [exports_quota_consume(tenant=tenant) for _ in range(60)][-1] == 60


def test_run_now_past_the_quota_is_a_429_page_with_retry_after_and_queues_nothing(tenant, actor, staff_user):
    definition = report_definition_create(actor=actor, tenant=tenant, name="Weekly", template="tenant_executive")
    officer = verified_client(staff_user(StaffRole.COMPLIANCE_OFFICER, username="quota-officer"))
    url = reverse("portal:analytics_report_run", kwargs={"scope": tenant.guild_id, "definition_id": definition.pk})

    assert officer.post(url).status_code == 302  # the free plan's one export of the day
    assert OutboxMessage.objects.filter(task_name=RUN_TASK).count() == 1
    events = AuditEvent.objects.count()

    refused = officer.post(url)

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 86400
    assert "The Free plan allows 1 export per day" in refused.content.decode()
    assert OutboxMessage.objects.filter(task_name=RUN_TASK).count() == 1
    assert AuditEvent.objects.count() == events
    assert exports_used_today(tenant=tenant) == 1


def test_a_platform_report_is_not_a_tenant_export(actor):
    definition = report_definition_create(actor=actor, tenant=None, name="Platform", template="platform_business")
    for _ in range(3):
        report_run_request(definition=definition, actor=actor)
    assert OutboxMessage.objects.filter(task_name=RUN_TASK).count() == 3
    assert not TenantQuotaUse.objects.exists()
