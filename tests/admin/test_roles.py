"""Staff roles: the groups after migrate, what each role may do in the admin, and who may log in at all."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.accounts.models import ApiKey, Member, User
from apps.accounts.roles import ROLE_GROUP_NAMES, ROLE_PERMISSIONS, roles_sync
from apps.audit.models import AuditEvent, AuditSeal
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create
from tests.admin.helpers import NEW_TENANT, action_data, admin_url, form_data
from tests.factories import UserFactory

OPS, SUPPORT = StaffRole.OPS, StaffRole.SUPPORT
COMPLIANCE, SECURITY = StaffRole.COMPLIANCE_OFFICER, StaffRole.SECURITY_ANALYST
ROLES = [OPS, SUPPORT, COMPLIANCE, SECURITY]
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory
LOGIN_URL = reverse("admin:login")

_READ_ALL = {"tenants.view_tenant", "accounts.view_member", "accounts.view_apikey", "audit.view_auditevent"}
# The reviewed grants of the foundation apps (later apps' grants are checked against roles.py only).
FOUNDATION_APPS = {"auth", "tenants", "accounts", "audit", "axes", "django_celery_beat"}
FOUNDATION_PERMISSIONS = {
    OPS: _READ_ALL
    | {
        "tenants.add_tenant",
        "tenants.change_tenant",
        "accounts.add_member",
        "accounts.change_member",
        "accounts.add_apikey",
        "accounts.change_apikey",
    },
    SUPPORT: _READ_ALL | {"accounts.change_member"},
    COMPLIANCE: _READ_ALL | {"accounts.view_user", "audit.view_auditseal"},
    SECURITY: _READ_ALL | {"accounts.view_user", "audit.view_auditseal"},
}


def _names(permissions) -> set[str]:
    return {f"{permission.content_type.app_label}.{permission.codename}" for permission in permissions}


def _group_permissions(role: str) -> set[str]:
    return _names(Group.objects.get(name=ROLE_GROUP_NAMES[role]).permissions.select_related("content_type"))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_group_has_exactly_its_permissions_after_migrate(db, role):
    granted = _group_permissions(role)

    assert granted == set(ROLE_PERMISSIONS[role])
    assert {name for name in granted if name.split(".")[0] in FOUNDATION_APPS} == FOUNDATION_PERMISSIONS[role]


def test_role_sync_takes_back_a_permission_granted_by_hand(db):
    group = Group.objects.get(name=ROLE_GROUP_NAMES[SUPPORT])
    group.permissions.add(Permission.objects.get(content_type__app_label="tenants", codename="change_tenant"))

    roles_sync()

    assert _group_permissions(SUPPORT) == set(ROLE_PERMISSIONS[SUPPORT])
    assert Group.objects.filter(name__in=ROLE_GROUP_NAMES.values()).count() == len(ROLE_GROUP_NAMES)


# (page, {role: status}) — every role is staff; what its permissions open, and what they do not
PAGES = [
    ((Tenant, "changelist"), {OPS: 200, SUPPORT: 200, COMPLIANCE: 200, SECURITY: 200}),
    ((Tenant, "add"), {OPS: 200, SUPPORT: 403, COMPLIANCE: 403, SECURITY: 403}),
    ((Member, "add"), {OPS: 200, SUPPORT: 403, COMPLIANCE: 403, SECURITY: 403}),
    ((ApiKey, "add"), {OPS: 200, SUPPORT: 403, COMPLIANCE: 403, SECURITY: 403}),
    ((AuditEvent, "changelist"), {OPS: 200, SUPPORT: 200, COMPLIANCE: 200, SECURITY: 200}),
    ((AuditSeal, "changelist"), {OPS: 403, SUPPORT: 403, COMPLIANCE: 200, SECURITY: 200}),
    ((User, "changelist"), {OPS: 403, SUPPORT: 403, COMPLIANCE: 200, SECURITY: 200}),
    ((User, "add"), {OPS: 403, SUPPORT: 403, COMPLIANCE: 403, SECURITY: 403}),
    ((Group, "changelist"), {OPS: 403, SUPPORT: 403, COMPLIANCE: 403, SECURITY: 403}),
]


@pytest.mark.parametrize(
    ("model", "view", "role", "status"),
    [
        pytest.param(model, view, role, status, id=f"{model._meta.model_name}-{view}-{role}")
        for (model, view), statuses in PAGES
        for role, status in statuses.items()
    ],
)
def test_each_role_opens_exactly_the_pages_its_permissions_allow(staff_user, staff_client, model, view, role, status):
    response = staff_client(staff_user(role)).get(admin_url(model, view))

    assert response.status_code == status


def test_ops_can_add_a_tenant(staff_user, staff_client):
    ops = staff_user(OPS)

    response = staff_client(ops).post(admin_url(Tenant, "add"), NEW_TENANT)

    assert response.status_code == 302
    tenant = Tenant.objects.get(guild_id=NEW_TENANT["guild_id"])
    event = AuditEvent.objects.get(action="tenants.tenant_created")
    assert (event.target_id, event.actor_identifier, event.actor_label) == (str(tenant.pk), str(ops.pk), ops.username)


@pytest.mark.parametrize("role", [SUPPORT, COMPLIANCE, SECURITY])
def test_a_role_without_add_tenant_cannot_add_one_and_nothing_is_written(staff_user, staff_client, role):
    client = staff_client(staff_user(role))

    page = client.get(admin_url(Tenant, "add"))
    response = client.post(admin_url(Tenant, "add"), NEW_TENANT)

    assert (page.status_code, response.status_code) == (403, 403)
    assert not Tenant.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_security_analyst_can_read_audit_events(actor, staff_user, staff_client):
    tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")
    client = staff_client(staff_user(SECURITY))
    event = AuditEvent.objects.get()

    listing = client.get(admin_url(AuditEvent, "changelist"))
    detail = client.get(admin_url(AuditEvent, "change", event.pk))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [event]
    assert detail.status_code == 200
    assert detail.context["original"] == event


@pytest.mark.parametrize("role", [SUPPORT, COMPLIANCE, SECURITY])
def test_a_role_without_change_tenant_sees_it_read_only_and_cannot_change_it(tenant, staff_user, staff_client, role):
    client = staff_client(staff_user(role))
    url = admin_url(Tenant, "change", tenant.pk)
    events_before = AuditEvent.objects.count()

    page = client.get(url)
    edit = client.post(url, {**NEW_TENANT, "name": "Taken over"})
    suspend = client.post(admin_url(Tenant, "changelist"), action_data("suspend_selected", tenant))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert edit.status_code == 403
    assert suspend.status_code == 302  # not an action offered to this role: back to the list, nothing done
    listed = client.get(admin_url(Tenant, "changelist"))
    offered = {name for name, _label in listed.context["action_form"].fields["action"].choices if name}
    assert offered == {"export_csv", "export_xlsx"}  # no writing action; viewing the list is enough to export it
    tenant.refresh_from_db()
    assert (tenant.name, tenant.status) == ("Home Guild", TenantStatus.ACTIVE)
    assert AuditEvent.objects.count() == events_before


def test_support_can_rename_a_member_but_not_move_it(actor, tenant, other_tenant, staff_user, staff_client):
    support = staff_user(SUPPORT)
    member = Member.objects.create(tenant=tenant, discord_user_id="900000000000000001", username="old")
    client = staff_client(support)
    url = admin_url(Member, "change", member.pk)

    response = client.post(url, form_data(client.get(url), username="new", tenant=other_tenant.pk))

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.username, member.tenant) == ("new", tenant)
    event = AuditEvent.objects.get(action="accounts.member_renamed")
    redacted = {"username": {"before": "[redacted]", "after": "[redacted]"}}  # identities stay out of the trail
    assert (event.changes, event.actor_identifier) == (redacted, str(support.pk))


@pytest.mark.parametrize(
    "user_kwargs",
    [
        pytest.param({"is_staff": False}, id="not-staff"),
        pytest.param({"is_active": False}, id="inactive-staff"),
        pytest.param({"is_staff": False, "is_superuser": True}, id="superuser-flag-without-staff"),
        pytest.param({"is_active": False, "is_superuser": True}, id="inactive-superuser"),
    ],
)
def test_non_staff_and_inactive_users_are_refused_at_the_admin(db, staff_client, user_kwargs):
    user = UserFactory(username="outsider", **user_kwargs)
    session_client = staff_client(user)
    login_client = Client()

    pages = [session_client.get(reverse("admin:index")), session_client.get(admin_url(Tenant, "changelist"))]
    login = login_client.post(LOGIN_URL, {"username": "outsider", "password": PASSWORD})

    assert [page.status_code for page in pages] == [302, 302]
    assert pages[0]["Location"] == f"{LOGIN_URL}?next=/admin/"
    assert login.status_code == 200
    assert login.context["form"].non_field_errors() == [
        "Please enter the correct username and password for a staff account. "
        "Note that both fields may be case-sensitive."
    ]
    assert "_auth_user_id" not in login_client.session
    assert login_client.get(reverse("admin:index")).status_code == 302


def test_the_right_password_alone_leads_to_the_second_factor_not_into_the_admin(staff_user):
    staff_user(SUPPORT, username="helper")
    client = Client()

    response = client.post(LOGIN_URL, {"username": "helper", "password": PASSWORD, "next": "/admin/"})

    # the rest of the sign-in (enrolment, code) is tests/admin/test_second_factor.py
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:login_enrol")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_repeated_failed_logins_lock_the_account_out(staff_user):
    staff_user(OPS, username="target")
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT

    failures = [
        client.post(LOGIN_URL, {"username": "target", "password": f"wrong-{attempt}"}).status_code
        for attempt in range(limit)
    ]
    with_the_right_password = client.post(LOGIN_URL, {"username": "target", "password": PASSWORD})

    assert failures == [200] * (limit - 1) + [429]
    assert with_the_right_password.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    other_account = Client().post(LOGIN_URL, {"username": "nobody", "password": "wrong"})
    assert other_account.status_code == 200  # the lock is per account and address, not global
