"""The live stream at /ws/security/events/ through the real ASGI application (session auth, origin
check) and the real Redis channel layer: refused for the anonymous, for staff without the permission
and for a session without the second factor; a snapshot then live deltas for security staff; closed
once the session is signed out or its user may no longer watch."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.core.actors import Actor
from apps.security.choices import SecurityEventType
from apps.security.services import security_event_record
from dbsbm.asgi import application
from tests.factories import UserFactory
from tests.second_factor import verified_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PATH = "/ws/security/events/"


def _session_cookie(user, verified: bool = True) -> str:
    if verified:
        client = verified_client(user)
    else:
        client = Client()
        client.force_login(user)  # the password alone
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(user=None, verified: bool = True, cookie: str | None = None):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None and cookie is None:
        cookie = await database_sync_to_async(_session_cookie)(user, verified)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


def _record(label: str):
    return security_event_record(
        event_type=SecurityEventType.LOGIN_FAILED,
        actor=Actor(kind="system", identifier="anonymous", label=label, ip_address="203.0.113.9"),
        details={"username": label},
    )


def _user(role: str | None, username: str):
    user = UserFactory(username=username, is_superuser=role == "superuser", is_staff=role is not None)
    if role in ROLE_GROUP_NAMES:
        user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    return user


async def test_anonymous_is_refused():
    communicator, connected, code = await _connect()

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("role", [None, "ops", "support"])
async def test_users_without_the_permission_are_refused(role):
    user = await database_sync_to_async(_user)(role, f"user-{role}")

    communicator, connected, code = await _connect(user)

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("role", ["security_analyst", "compliance_officer", "superuser"])
async def test_security_staff_get_a_snapshot_then_live_deltas(role):
    user = await database_sync_to_async(_user)(role, f"user-{role}")
    old = await database_sync_to_async(_record)("before-connect")

    communicator, connected, _ = await _connect(user)
    assert connected
    snapshot = await communicator.receive_json_from(timeout=5)

    assert snapshot["type"] == "snapshot"
    assert old.pk in [event["id"] for event in snapshot["events"]]
    new = await database_sync_to_async(_record)("after-connect")
    delta = await communicator.receive_json_from(timeout=5)
    assert delta["type"] == "event"
    assert (delta["event"]["id"], delta["event"]["event_type"], delta["event"]["actor_label"]) == (
        new.pk,
        "login_failed",
        "after-connect",
    )
    await communicator.disconnect()


@pytest.mark.parametrize("role", ["security_analyst", "superuser"])
async def test_a_session_without_the_second_factor_is_refused(role):
    def _user_with_device():
        user = _user(role, f"halfway-{role}")
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)  # owned, but not used to sign in
        return user

    user = await database_sync_to_async(_user_with_device)()

    communicator, connected, code = await _connect(user, verified=False)

    assert (connected, code) == (False, 4403)


@pytest.mark.parametrize("change", ["signed out", "deactivated", "lost the role", "lost the device"])
async def test_an_open_stream_is_closed_once_its_session_or_user_may_no_longer_watch(settings, change):
    settings.PORTAL_LIVE_RECHECK_SECONDS = 0  # re-check before every delta
    user = await database_sync_to_async(_user)("security_analyst", f"leaver-{change.split()[-1]}")
    cookie = await database_sync_to_async(_session_cookie)(user)
    communicator, connected, _ = await _connect(cookie=cookie)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"
    await database_sync_to_async(_record)("while-allowed")
    assert (await communicator.receive_json_from(timeout=5))["type"] == "event"

    def _change():
        if change == "signed out":
            Session.objects.filter(session_key=cookie).delete()
        elif change == "deactivated":
            type(user).objects.filter(pk=user.pk).update(is_active=False)
        elif change == "lost the role":
            user.groups.clear()
        else:
            TOTPDevice.objects.filter(user=user).delete()

    await database_sync_to_async(_change)()
    await database_sync_to_async(_record)("after-the-change")

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


async def test_an_idle_stream_is_closed_after_sign_out_without_waiting_for_an_event(settings):
    settings.PORTAL_LIVE_RECHECK_SECONDS = 1
    user = await database_sync_to_async(_user)("security_analyst", "idle-leaver")
    cookie = await database_sync_to_async(_session_cookie)(user)
    communicator, connected, _ = await _connect(cookie=cookie)
    assert connected
    assert (await communicator.receive_json_from(timeout=5))["type"] == "snapshot"

    await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()
