"""The live stream at /ws/security/events/ through the real ASGI application (session auth, origin
check) and the real Redis channel layer: refused for the anonymous and for staff without the
permission; a snapshot then live deltas for security staff."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from apps.core.actors import Actor
from apps.security.choices import SecurityEventType
from apps.security.services import security_event_record
from dbsbm.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PATH = "/ws/security/events/"


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(user=None) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        cookie = await database_sync_to_async(_session_cookie)(user)
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
    from django.contrib.auth.models import Group

    from apps.accounts.roles import ROLE_GROUP_NAMES

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
