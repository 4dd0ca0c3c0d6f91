"""Retention in the admin: policies through the service (bad input refused, nothing written), holds placed
and released with a reason (audited), runs read-only."""

import pytest
from django.test import Client

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.privacy.models import LegalHold, RetentionPolicy, RetentionRun
from apps.privacy.services.retention import legal_hold_place
from tests.admin.helpers import action_data, admin_url, form_data, messages_of
from tests.factories import MemberFactory
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(staff_user) -> Client:
    return verified_client(staff_user(StaffRole.SUPERUSER, username="root"))


def test_changing_a_policy_goes_through_the_service_and_is_audited(root):
    policy = RetentionPolicy.objects.get(kind="security_events")
    url = admin_url(RetentionPolicy, "change", policy.pk)

    response = root.post(url, form_data(root.get(url), period_days="200"))

    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.period_days == 200
    event = AuditEvent.objects.get(action="privacy.retention_policy_changed")
    assert (event.actor_label, event.changes) == ("root", {"period_days": {"before": 365, "after": 200}})


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"period_days": "-1"}, "period_days"), ({"action": "delete"}, "action"), ({"period_days": "x"}, "period_days")],
)
def test_a_bad_policy_form_shows_the_error_and_writes_nothing(root, changes, field):
    policy = RetentionPolicy.objects.get(kind="audit_events")  # archive only
    url = admin_url(RetentionPolicy, "change", policy.pk)
    before = list(RetentionPolicy.objects.values())

    response = root.post(url, form_data(root.get(url), **changes))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert list(RetentionPolicy.objects.values()) == before
    assert not AuditEvent.objects.filter(action__startswith="privacy.retention_policy").exists()


def test_a_policy_for_an_unknown_kind_cannot_be_added(root):
    RetentionPolicy.objects.filter(kind="slow_queries").delete()
    url = admin_url(RetentionPolicy, "add")

    response = root.post(url, {"kind": "everything", "period_days": "30", "action": "delete", "enabled": "on"})

    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert not RetentionPolicy.objects.filter(kind="everything").exists()


def test_a_hold_is_placed_from_the_add_page_with_its_reason(root, tenant):
    response = root.post(admin_url(LegalHold, "add"), {"tenant": str(tenant.pk), "member": "", "reason": "lawsuit"})

    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.tenant, hold.reason, hold.placed_by, hold.is_active) == (tenant, "lawsuit", "root", True)
    assert AuditEvent.objects.filter(action="privacy.legal_hold_placed", target_id=str(hold.pk)).count() == 1


def test_a_hold_on_both_a_tenant_and_a_member_is_refused(root, tenant):
    member = MemberFactory(tenant=tenant)

    response = root.post(
        admin_url(LegalHold, "add"), {"tenant": str(tenant.pk), "member": str(member.pk), "reason": "why"}
    )

    assert response.status_code == 200
    assert "Choose either a tenant or a member (exactly one)." in response.context["adminform"].form.non_field_errors()
    assert LegalHold.objects.count() == 0


def test_releasing_asks_for_a_reason_then_releases_and_audits(root, tenant, actor):
    hold = legal_hold_place(actor=actor, tenant=tenant, reason="lawsuit")
    url = admin_url(LegalHold, "changelist")

    page = root.post(url, action_data("release_selected", hold))
    assert page.status_code == 200 and "reason" in page.context["form"].fields
    assert LegalHold.objects.get().is_active

    response = root.post(url, {**action_data("release_selected", hold), "apply": "1", "reason": "settled"}, follow=True)

    assert messages_of(response) == ["1 hold(s) released."]
    hold.refresh_from_db()
    assert (hold.is_active, hold.release_reason, hold.released_by) == (False, "settled", "root")
    assert AuditEvent.objects.filter(action="privacy.legal_hold_released", reason="settled").count() == 1


def test_runs_are_read_only_and_a_dry_run_can_be_started(root):
    run = RetentionRun.objects.create(triggered_by="seed")
    assert root.get(admin_url(RetentionRun, "add")).status_code == 403
    assert root.get(admin_url(RetentionRun, "change", run.pk)).status_code == 200

    response = root.post(admin_url(RetentionRun, "changelist"), action_data("dry_run_now", run), follow=True)

    assert messages_of(response)[0].startswith("Dry run ")
    assert RetentionRun.objects.filter(dry_run=True, triggered_by="root").count() == 1
