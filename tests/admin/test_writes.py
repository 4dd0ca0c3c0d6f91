"""Admin writes go through the services: the same rules, the same audit events, secrets shown once."""

import hashlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.accounts.models import ApiKey, User
from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_seal_pending
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create, tenant_offboard, tenant_suspend
from tests.admin.helpers import NEW_TENANT, SECRET_PATTERN, action_data, admin_url, form_data, messages_of
from tests.factories import UserFactory

REQUEST = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_REQUEST_ID": "admin-request-0001"}


@pytest.fixture(autouse=True)
def _behind_a_trusted_proxy(settings):
    """The admin behind one proxy: the request id it sets is believed (without one it is generated)."""
    settings.DBSBM_TRUSTED_PROXIES = 1


def _assert_made_by(event: AuditEvent, user: User) -> None:
    assert (event.actor_kind, event.actor_identifier, event.actor_label) == ("user", str(user.pk), user.username)
    assert (event.ip_address, event.request_id) == ("203.0.113.7", "admin-request-0001")


def test_adding_a_tenant_creates_it_through_the_service_with_an_audit_event(superuser, superuser_client):
    response = superuser_client.post(admin_url(Tenant, "add"), NEW_TENANT, **REQUEST)

    assert response.status_code == 302
    tenant = Tenant.objects.get(guild_id="777777777777777777")
    assert (tenant.name, tenant.plan_code, tenant.timezone, tenant.status) == (
        "Admin Guild",
        "premium",
        "Europe/London",
        TenantStatus.ACTIVE,
    )
    assert (tenant.unit_min, tenant.unit_max, tenant.settings) == (
        Decimal("0.50"),
        Decimal("25.00"),
        {"currency": "units"},
    )
    event = AuditEvent.objects.get(guild_id="777777777777777777")
    assert (event.action, event.target_type, event.target_id) == (
        "tenants.tenant_created",
        "tenants.tenant",
        str(tenant.pk),
    )
    assert event.changes["name"] == {"before": None, "after": "Admin Guild"}
    assert event.changes["status"] == {"before": None, "after": "active"}
    _assert_made_by(event, superuser)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "timezone",
            "Mars/Olympus_Mons",
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
        ),
        ("settings", "[1, 2]", "Must be a JSON object."),
        ("settings", '{"blob": "' + "x" * 17000 + '"}', "Must be at most 16384 bytes of JSON."),
        ("guild_id", "not-a-guild", "Must be a Discord id: 17 to 20 digits, as a string."),
        ("unit_min", "0", "Constraint “tenant_unit_min_positive” is violated."),
        ("unit_max", "0.10", "Constraint “tenant_unit_range” is violated."),
    ],
)
def test_invalid_tenant_form_shows_the_error_and_writes_nothing(superuser_client, field, value, error):
    response = superuser_client.post(admin_url(Tenant, "add"), {**NEW_TENANT, field: value})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert error in [*form.errors.get(field, []), *form.non_field_errors()]
    assert not Tenant.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_guild_cannot_be_added_twice(tenant, superuser_client):
    events_before = AuditEvent.objects.count()

    response = superuser_client.post(admin_url(Tenant, "add"), {**NEW_TENANT, "guild_id": tenant.guild_id})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["guild_id"] == ["Tenant with this Guild id already exists."]
    assert Tenant.objects.count() == 1
    assert AuditEvent.objects.count() == events_before


def test_changing_a_tenant_goes_through_the_service_and_ignores_a_posted_status(actor, superuser, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Old Name")
    url = admin_url(Tenant, "change", tenant.pk)
    page = superuser_client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    assert "guild_id" not in page.context["adminform"].form.fields

    response = superuser_client.post(
        url, form_data(page, name="New Name", status="suspended", guild_id="888888888888888888"), **REQUEST
    )

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.status, tenant.guild_id) == ("New Name", TenantStatus.ACTIVE, "777777777777777777")
    event = AuditEvent.objects.get(action="tenants.tenant_updated")
    assert event.changes == {"name": {"before": "Old Name", "after": "New Name"}}
    _assert_made_by(event, superuser)


def test_an_offboarded_tenant_is_read_only(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Gone")
    tenant_offboard(tenant=tenant, actor=actor, reason="left")
    url = admin_url(Tenant, "change", tenant.pk)
    events_before = AuditEvent.objects.count()

    page = superuser_client.get(url)
    response = superuser_client.post(url, {**NEW_TENANT, "name": "Back"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.name == "Gone"
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("action", "start", "end", "audit_action", "reason"),
    [
        ("suspend_selected", TenantStatus.ACTIVE, TenantStatus.SUSPENDED, "tenants.tenant_suspended", "suspended"),
        (
            "reactivate_selected",
            TenantStatus.SUSPENDED,
            TenantStatus.ACTIVE,
            "tenants.tenant_reactivated",
            "reactivated",
        ),
        ("offboard_selected", TenantStatus.ACTIVE, TenantStatus.OFFBOARDED, "tenants.tenant_offboarded", "offboarded"),
        (
            "offboard_selected",
            TenantStatus.SUSPENDED,
            TenantStatus.OFFBOARDED,
            "tenants.tenant_offboarded",
            "offboarded",
        ),
    ],
)
def test_status_actions_change_the_status_and_record_an_event(
    actor, superuser, superuser_client, action, start, end, audit_action, reason
):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Target")
    untouched = tenant_create(actor=actor, guild_id="888888888888888888", name="Bystander")
    if start == TenantStatus.SUSPENDED:
        tenant_suspend(tenant=tenant, actor=actor, reason="setup")

    response = superuser_client.post(admin_url(Tenant, "changelist"), action_data(action, tenant), **REQUEST)

    assert response.status_code == 302
    tenant.refresh_from_db()
    untouched.refresh_from_db()
    assert (tenant.status, untouched.status) == (end, TenantStatus.ACTIVE)
    event = AuditEvent.objects.get(action=audit_action)
    assert (event.guild_id, event.reason) == (tenant.guild_id, f"{reason} in admin by root")
    assert event.changes["status"] == {"before": start, "after": end}
    _assert_made_by(event, superuser)


def test_a_refused_transition_reports_the_error_and_changes_nothing(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Gone")
    tenant_offboard(tenant=tenant, actor=actor, reason="left")
    events_before = AuditEvent.objects.count()

    response = superuser_client.post(
        admin_url(Tenant, "changelist"), action_data("reactivate_selected", tenant), follow=True
    )

    assert messages_of(response) == ["Gone (777777777777777777): A tenant that is offboarded cannot become active."]
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.OFFBOARDED
    assert AuditEvent.objects.count() == events_before


def test_creating_an_api_key_shows_the_secret_once_and_stores_only_its_hash(
    tenant, superuser, superuser_client, client_with_key
):
    response = superuser_client.post(
        admin_url(ApiKey, "add"),
        {"name": "bot", "tenant": tenant.pk, "scopes": ["tenants:read"], "expires_at_0": "", "expires_at_1": ""},
        follow=True,
        **REQUEST,
    )

    assert response.status_code == 200
    warning = next(message for message in messages_of(response) if "Copy it now" in message)
    secret = SECRET_PATTERN.search(warning).group()
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.tenant, api_key.scopes, api_key.created_by) == (
        "bot",
        tenant,
        ["tenants:read"],
        "root",
    )
    assert (api_key.prefix, api_key.key_hash) == (secret[:14], hashlib.sha256(secret.encode()).hexdigest())
    stored = ApiKey.objects.filter(pk=api_key.pk).values().get()
    assert not [column for column, value in stored.items() if secret in str(value)]
    assert secret not in superuser_client.get(admin_url(ApiKey, "change", api_key.pk)).content.decode()
    event = AuditEvent.objects.get(action="accounts.api_key_created")
    assert secret not in str(AuditEvent.objects.filter(pk=event.pk).values().get())
    _assert_made_by(event, superuser)

    api_response = client_with_key(secret).get(f"/api/v1/tenants/{tenant.guild_id}/")

    assert api_response.status_code == 200
    assert api_response.json()["guild_id"] == tenant.guild_id


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"scopes": []}, "scopes", "This field is required."),
        (
            {"scopes": ["everything"]},
            "scopes",
            "Select a valid choice. everything is not one of the available choices.",
        ),
        ({"name": ""}, "name", "This field is required."),
        ({"expires_at_0": "2001-01-01", "expires_at_1": "00:00:00"}, "expires_at", "The expiry must be in the future."),
    ],
)
def test_invalid_api_key_form_shows_the_error_and_creates_nothing(tenant, superuser_client, changes, field, error):
    data = {"name": "bot", "tenant": tenant.pk, "scopes": ["tenants:read"], "expires_at_0": "", "expires_at_1": ""}

    response = superuser_client.post(admin_url(ApiKey, "add"), {**data, **changes})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert not ApiKey.objects.exists()


def test_an_api_key_cannot_be_added_to_an_offboarded_tenant(actor, superuser_client):
    tenant = tenant_create(actor=actor, guild_id="777777777777777777", name="Gone")
    tenant_offboard(tenant=tenant, actor=actor, reason="left")

    response = superuser_client.post(
        admin_url(ApiKey, "add"),
        {"name": "bot", "tenant": tenant.pk, "scopes": ["tenants:read"], "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 200
    assert "tenant" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_an_existing_api_key_cannot_be_edited(tenant, make_key, superuser_client):
    api_key, _ = make_key(["tenants:read"], tenant=tenant, name="bot")
    url = admin_url(ApiKey, "change", api_key.pk)

    page = superuser_client.get(url)
    response = superuser_client.post(url, {"name": "renamed", "scopes": ["tenants:admin"]})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    api_key.refresh_from_db()
    assert (api_key.name, api_key.scopes) == ("bot", ["tenants:read"])


def test_the_revoke_action_revokes_and_the_key_stops_working(
    tenant, make_key, superuser, superuser_client, client_with_key
):
    api_key, secret = make_key(["tenants:read"], tenant=tenant)
    other_key, other_secret = make_key(["tenants:read"], tenant=tenant)

    response = superuser_client.post(
        admin_url(ApiKey, "changelist"), action_data("revoke_selected", api_key), follow=True, **REQUEST
    )

    assert messages_of(response) == ["1 key(s) revoked."]
    api_key.refresh_from_db()
    other_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key.revoked_reason == "revoked in admin by root"
    assert other_key.revoked_at is None
    event = AuditEvent.objects.get(action="accounts.api_key_revoked")
    assert (event.target_id, event.guild_id) == (str(api_key.pk), tenant.guild_id)
    _assert_made_by(event, superuser)
    assert client_with_key(secret).get(f"/api/v1/tenants/{tenant.guild_id}/").status_code == 401
    assert client_with_key(other_secret).get(f"/api/v1/tenants/{tenant.guild_id}/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"groups": ["Ops"]}, {"groups": {"before": [], "after": ["Ops"]}}),
        ({"is_staff": False}, {"is_staff": {"before": True, "after": False}}),
        ({"is_superuser": True}, {"is_superuser": {"before": False, "after": True}}),
        ({"is_active": False}, {"is_active": {"before": True, "after": False}}),
        (
            {"groups": ["Security analyst", "Support"], "is_superuser": True},
            {
                "groups": {"before": [], "after": ["Security analyst", "Support"]},
                "is_superuser": {"before": False, "after": True},
            },
        ),
    ],
)
def test_changing_a_users_privileges_records_before_and_after(superuser, superuser_client, changes, expected):
    user = UserFactory(username="alice")
    url = admin_url(User, "change", user.pk)
    page = superuser_client.get(url)
    posted = {**changes}
    if "groups" in posted:
        posted["groups"] = [str(Group.objects.get(name=name).pk) for name in posted["groups"]]
    data = form_data(page)
    for name, value in posted.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value

    response = superuser_client.post(url, data, **REQUEST)

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="accounts.staff_privileges_changed")
    assert (event.target_type, event.target_id, event.target_label) == ("accounts.user", str(user.pk), "alice")
    assert event.changes == expected
    _assert_made_by(event, superuser)


def test_changing_only_a_users_email_records_no_privilege_event(superuser_client):
    user = UserFactory(username="alice")
    url = admin_url(User, "change", user.pk)

    response = superuser_client.post(url, form_data(superuser_client.get(url), email="alice@new.example"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "alice@new.example"
    assert not AuditEvent.objects.filter(action="accounts.staff_privileges_changed").exists()


@pytest.mark.parametrize("model", [AuditEvent, AuditSeal])
def test_the_audit_trail_cannot_be_added_changed_or_deleted(actor, superuser_client, model):
    tenant_create(actor=actor, guild_id="777777777777777777", name="Audited")
    audit_seal_pending()
    row = model.objects.get()
    before = model.objects.filter(pk=row.pk).values().get()

    page = superuser_client.get(admin_url(model, "change", row.pk))
    responses = [
        superuser_client.get(admin_url(model, "add")),
        superuser_client.post(admin_url(model, "add"), {}),
        superuser_client.post(admin_url(model, "change", row.pk), {"reason": "edited", "chain_hash": "0"}),
        superuser_client.get(admin_url(model, "delete", row.pk)),
        superuser_client.post(admin_url(model, "delete", row.pk), {"post": "yes"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403, 403]
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="_save"' not in content
    assert admin_url(model, "delete", row.pk) not in content
    assert model.objects.filter(pk=row.pk).values().get() == before
    changelist = superuser_client.get(admin_url(model, "changelist"))
    assert admin_url(model, "add") not in changelist.content.decode()
    # no bulk delete: the only actions are the exports (issue 17, item 4) of the lists that have them
    actions = (
        [value for value, _ in changelist.context["action_form"].fields["action"].choices if value]
        if (changelist.context["action_form"] is not None)
        else []
    )
    assert set(actions) <= {"export_csv", "export_xlsx"}


@pytest.mark.parametrize(
    ("posted", "expected_changes", "can_log_in_with_new_password"),
    [
        (
            {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase", "usable_password": "true"},
            {},
            True,
        ),
        (
            {"usable_password": "false", "unset-password": "1"},
            {"has_usable_password": {"before": True, "after": False}},
            False,
        ),
    ],
)
def test_changing_a_users_password_records_an_event_without_the_password(
    superuser, superuser_client, posted, expected_changes, can_log_in_with_new_password
):
    user = UserFactory(username="alice")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = superuser_client.post(url, posted, **REQUEST)

    assert response.status_code == 302
    assert response["Location"] == admin_url(User, "change", user.pk)
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase") is can_log_in_with_new_password
    event = AuditEvent.objects.get(action="accounts.staff_password_changed")
    assert (event.target_id, event.changes) == (str(user.pk), expected_changes)
    assert "passphrase" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())
    _assert_made_by(event, superuser)


def test_a_refused_password_change_records_nothing(superuser_client):
    user = UserFactory(username="alice")
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = superuser_client.post(url, {"password1": "short", "password2": "short", "usable_password": "true"})

    assert response.status_code == 200
    assert response.context["form"].errors["password2"] == [
        "This password is too short. It must contain at least 12 characters."
    ]
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery-staple")
    assert not AuditEvent.objects.filter(action="accounts.staff_password_changed").exists()


@pytest.mark.parametrize(("model_name", "field_name"), [("apikey", "tenant"), ("member", "tenant")])
def test_the_tenant_picker_offers_only_live_tenants(actor, superuser_client, model_name, field_name):
    live = tenant_create(actor=actor, guild_id="777777777777777777", name="Guild Live")
    gone = tenant_create(actor=actor, guild_id="888888888888888888", name="Guild Gone")
    tenant_offboard(tenant=gone, actor=actor, reason="left")

    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "accounts", "model_name": model_name, "field_name": field_name, "term": "Guild"},
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(live.pk)]
