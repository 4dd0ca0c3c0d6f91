"""The live dashboard at /ws/portal/dashboard/ through the real ASGI application (session auth, origin
check) and the real Redis channel layer: refused without the second factor; told which widgets to
refresh when a check run, a compliance alert or a data-subject request changes."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.core.portal import portal_navigation, register_portal_page, unregister_portal_page
from dbsbm.asgi import application
from tests.portal import data
from tests.second_factor import verified_client

PATH = "/ws/portal/dashboard/"


def _cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(cookie: str | None) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, PATH, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_only_sessions_that_passed_the_second_factor_may_watch(staff_user, portal_user):
    def _sessions():
        officer = portal_user(StaffRole.COMPLIANCE_OFFICER, username="ws-officer")
        password_only = Client()
        password_only.force_login(officer)
        ops = Client()
        ops.force_login(staff_user(StaffRole.OPS, username="ws-ops"))
        return _cookie(password_only), _cookie(ops)

    password_only, ops = await database_sync_to_async(_sessions)()

    for cookie in (None, password_only, ops):
        communicator, connected, code = await _connect(cookie)
        assert (connected, code) == (False, 4403)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_check_runs_alerts_and_requests_refresh_their_widgets(staff_user, portal_user):
    def _session():
        staff_user(StaffRole.SUPERUSER, username="ws-root-without-mfa")
        return _cookie(verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username="ws-officer2")))

    communicator, connected, _ = await _connect(await database_sync_to_async(_session)())
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }

    await database_sync_to_async(data.run_mfa_check)()
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "changed",
        "widgets": ["failing", "history", "protection", "scores"],
        "reason": "check_run",
    }

    await database_sync_to_async(data.compliance_alerts)(1)
    message = await communicator.receive_json_from(timeout=5)
    assert (message["widgets"], message["reason"]) == (["alerts"], "compliance_alert")

    await database_sync_to_async(data.data_subject_requests)(1)
    message = await communicator.receive_json_from(timeout=5)
    assert (message["widgets"], message["reason"]) == (["dsr", "protection"], "data_subject_request")
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
@pytest.mark.parametrize("change", ["signed out", "deactivated", "lost the role"])
async def test_an_open_socket_is_closed_once_its_session_or_user_may_no_longer_watch(
    staff_user, portal_user, settings, change
):
    settings.PORTAL_LIVE_RECHECK_SECONDS = 0  # re-check before every notice

    def _session():
        officer = portal_user(StaffRole.COMPLIANCE_OFFICER, username=f"ws-leaver-{change.split()[0]}")
        return officer, _cookie(verified_client(officer))

    officer, cookie = await database_sync_to_async(_session)()
    communicator, connected, _ = await _connect(cookie)
    assert connected
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }
    await database_sync_to_async(data.compliance_alerts)(1)
    assert (await communicator.receive_json_from(timeout=5))["reason"] == "compliance_alert"

    def _change():
        if change == "signed out":
            Session.objects.filter(session_key=cookie).delete()
        elif change == "deactivated":
            type(officer).objects.filter(pk=officer.pk).update(is_active=False)
        else:
            officer.groups.clear()

    await database_sync_to_async(_change)()
    await database_sync_to_async(data.compliance_alerts)(1, start=50)

    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


def test_later_apps_add_pages_to_the_navigation_by_role():
    register_portal_page("Later app", "Open things", "later:list", roles=["security_analyst"], order=5)
    try:
        analyst = {s.title: [p.title for p in s.pages] for s in portal_navigation({"security_analyst"})}
        officer = {s.title: [p.title for p in s.pages] for s in portal_navigation({"compliance_officer"})}
        root = {s.title: [p.title for p in s.pages] for s in portal_navigation({"superuser"})}
    finally:
        unregister_portal_page("later:list")

    assert analyst["Later app"] == ["Open things"]
    assert "Later app" not in officer
    assert "Frameworks" in officer["Compliance"] and "Frameworks" not in analyst["Compliance"]
    assert "Open things" in root["Later app"]
    # the incidents app registered its pages: declaring is the analysts' (officers read)
    assert "Declare incident" in analyst["Incidents"] and "Declare incident" not in officer["Incidents"]


def test_role_groups_are_named_after_the_role_labels():
    """The portal reads roles from group names (access.py); roles.py must keep naming groups so."""

    assert all(ROLE_GROUP_NAMES[role] == StaffRole(role).label for role in ROLE_GROUP_NAMES)
