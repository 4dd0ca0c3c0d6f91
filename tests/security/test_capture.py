"""Every event type is captured where it happens, without the code that caused it reporting anything:
real admin logins (good, bad, locked out by django-axes), real API refusals and throttling, real keys
that are unknown, revoked or expired, and real model changes."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.security.choices import SecurityEventType
from apps.security.models import Alert, SecurityEvent
from tests.factories import MemberFactory, UserFactory
from tests.second_factor import token_for, verified_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
LOGIN = "/admin/login/"
EVENTS = "/api/v1/security/events/"


def _events(event_type: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(event_type=event_type).order_by("id"))


def _only(event_type: str) -> SecurityEvent:
    (event,) = _events(event_type)
    return event


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_a_successful_admin_login_is_recorded():
    user = UserFactory(username="alice")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client(HTTP_USER_AGENT="pytest-browser")

    password = _login(client, "alice", PASSWORD)
    assert password.status_code == 302 and not _events(SecurityEventType.LOGIN_SUCCEEDED)  # nobody signed in yet
    response = client.post(reverse("admin:login_verify"), {"token": token_for(device)})

    assert response.status_code == 302
    event = _only(SecurityEventType.LOGIN_SUCCEEDED)
    assert (event.actor_kind, event.actor_identifier, event.actor_label) == ("user", str(user.pk), "alice")
    assert (event.ip_address, event.user_agent, event.risk_score) == ("127.0.0.1", "pytest-browser", 5)


def test_a_failed_admin_login_is_recorded_without_the_password():
    UserFactory(username="alice")

    response = _login(Client(), "alice", "wrong-password-123")

    assert response.status_code == 200
    event = _only(SecurityEventType.LOGIN_FAILED)
    assert (event.actor_kind, event.actor_label, event.ip_address) == ("anonymous", "alice", "127.0.0.1")
    assert event.details == {"username": "alice", "path": LOGIN}
    assert "wrong-password" not in json.dumps(event.details)


def test_repeated_failures_lock_the_user_out_and_raise_a_brute_force_alert(django_capture_on_commit_callbacks):
    UserFactory(username="alice")
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [_login(client, "alice", f"guess-{number}").status_code for number in range(6)]

    assert statuses[-1] == 429  # django-axes refuses the locked-out pair
    assert len(_events(SecurityEventType.LOGIN_FAILED)) >= 5
    lockout = _events(SecurityEventType.LOCKOUT)[0]
    assert (lockout.details, lockout.ip_address, lockout.risk_score) == ({"username": "alice"}, "127.0.0.1", 60)
    alert = Alert.objects.get(rule__slug="brute-force-per-user")
    assert alert.group_key == "alice"
    assert alert.events.count() >= 5


def test_a_request_over_the_limit_is_recorded_as_throttled(api_client, settings):
    settings.RATELIMIT_ANONYMOUS_PER_MINUTE = 2

    statuses = [api_client.get(EVENTS).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    event = _only(SecurityEventType.THROTTLED)
    assert event.details == {"code": "throttled", "method": "GET", "path": EVENTS, "prefix": ""}
    assert (event.actor_kind, event.ip_address) == ("anonymous", "127.0.0.1")


def test_a_key_without_the_scope_is_recorded_as_permission_denied(make_key, client_with_key):
    api_key, secret = make_key(["audit:read"])

    response = client_with_key(secret).get(EVENTS)

    assert response.status_code == 403
    event = _only(SecurityEventType.PERMISSION_DENIED)
    assert (event.actor_kind, event.actor_identifier, event.actor_label) == ("api_key", str(api_key.pk), api_key.prefix)
    assert event.details["prefix"] == api_key.prefix and event.details["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("state", "event_type", "reason"),
    [
        ("unknown", SecurityEventType.API_KEY_INVALID, "invalid"),
        ("revoked", SecurityEventType.API_KEY_REVOKED_USED, "revoked"),
        ("expired", SecurityEventType.API_KEY_EXPIRED_USED, "expired"),
    ],
)
def test_an_unusable_key_is_recorded_by_its_prefix_only(make_key, client_with_key, actor, state, event_type, reason):
    api_key, secret = make_key(["security:read"])
    if state == "unknown":
        secret = "dbsbm_0123abcd_" + "x" * 43
    elif state == "revoked":
        api_key_revoke(api_key=api_key, actor=actor, reason="test")
    else:
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client_with_key(secret).get(EVENTS)

    assert response.status_code == 401
    event = _only(event_type)
    prefix = "dbsbm_0123abcd" if state == "unknown" else api_key.prefix
    assert event.details == {"reason": reason, "prefix": prefix, "method": "GET", "path": EVENTS}
    assert event.ip_address == "127.0.0.1"
    stored = json.dumps([event.details, event.actor_label, event.actor_identifier])
    assert secret not in stored and secret[15:] not in stored


def test_a_malformed_authorization_header_is_an_invalid_key(api_client):
    response = api_client.get(EVENTS, HTTP_AUTHORIZATION="Token abc")

    assert response.status_code == 401
    assert _only(SecurityEventType.API_KEY_INVALID).details["reason"] == "malformed"


def test_a_rate_limit_failing_open_is_recorded(make_key, client_with_key, settings):
    _, secret = make_key(["tenants:read"])
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }

    response = client_with_key(secret).get("/api/v1/plans/")

    assert response.status_code == 200
    event = _events(SecurityEventType.THROTTLE_FAILED_OPEN)[0]
    assert event.details["scope"] == "api_key"
    assert event.actor_kind == "api_key"


def test_privilege_changes_in_the_admin_are_recorded_with_who_and_from_where(staff_user):
    root = staff_user("superuser", username="root")
    target = UserFactory(username="bob", is_staff=False)
    SecurityEvent.objects.all().delete()
    client = verified_client(root)
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in ("username", "email", "first_name", "last_name")}
    data.update(
        {
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(Group.objects.get(name="Ops").pk)],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        }
    )

    response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    events = _events(SecurityEventType.PRIVILEGE_CHANGED)
    changes = [event.details["changes"] for event in events]
    assert {"is_staff": {"before": False, "after": True}, "is_superuser": {"before": False, "after": True}} in changes
    assert {"groups": {"action": "add", "items": ["Ops"]}} in changes
    for event in events:
        assert (event.actor_kind, event.actor_label, event.ip_address) == ("user", "root", "127.0.0.1")
        assert event.details["subject_username"] == "bob"
    assert max(event.risk_score for event in events) == 80


def test_permission_and_group_changes_outside_a_request_are_the_systems():
    user = UserFactory(username="carol")
    SecurityEvent.objects.all().delete()

    user.user_permissions.add(Permission.objects.get(codename="view_alert"))
    Group.objects.get(name="Support").user_set.add(user)
    user.groups.clear()

    changes = [(event.actor_label, event.details["changes"]) for event in _events(SecurityEventType.PRIVILEGE_CHANGED)]
    assert changes == [
        ("system", {"user_permissions": {"action": "add", "items": ["security.view_alert"]}}),
        ("system", {"groups": {"action": "add", "items": ["Support"]}}),
        ("system", {"groups": {"action": "clear", "items": []}}),
    ]


def test_a_password_change_is_recorded_without_the_hash():
    user = UserFactory(username="dave")
    SecurityEvent.objects.all().delete()

    user.set_password("another-long-passphrase")
    user.save()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])  # a login's save: nothing recorded, nothing compared

    event = _only(SecurityEventType.PASSWORD_CHANGED)
    assert event.details == {"subject_id": str(user.pk), "subject_username": "dave", "has_usable_password": True}


def test_mfa_devices_created_confirmed_and_deleted_are_recorded():
    user = UserFactory(username="erin")

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    device.last_used_at = timezone.now()
    device.save(update_fields=["last_used_at"])  # a verification: not an MFA change
    device.confirmed = True
    device.save()
    device_id = device.pk
    device.delete()

    actions = [
        (event.details["action"], event.details["device_id"]) for event in _events(SecurityEventType.MFA_CHANGED)
    ]
    assert actions == [("created", device_id), ("confirmed", device_id), ("deleted", device_id)]


def test_viewing_a_member_in_the_admin_is_personal_data_access(staff_user, tenant):
    member = MemberFactory(tenant=tenant)
    analyst = staff_user("support", username="sam")
    client = verified_client(analyst)

    response = client.get(reverse("admin:accounts_member_change", args=[member.pk]))

    assert response.status_code == 200
    event = _only(SecurityEventType.PERSONAL_DATA_ACCESSED)
    assert (event.actor_label, event.guild_id, event.ip_address) == ("sam", tenant.guild_id, "127.0.0.1")
    assert event.details == {
        "subject_type": "accounts.member",
        "subject_id": str(member.pk),
        "purpose": "admin view",
        "fields": ["username", "discord_user_id", "display_name", "email", "date_of_birth", "country", "notes"],
    }


def test_a_flood_from_one_address_is_capped_per_minute(api_client, settings):
    settings.SECURITY_EVENT_CAP_PER_MINUTE = 3

    for _ in range(5):
        api_client.get(EVENTS, HTTP_AUTHORIZATION="Bearer nope")

    assert len(_events(SecurityEventType.API_KEY_INVALID)) == 3
