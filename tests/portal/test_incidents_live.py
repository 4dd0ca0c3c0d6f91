"""Live incident pages over /ws/portal/incidents/ (list and board) and /ws/portal/incidents/<id>/ (one
incident), through the real ASGI application (session auth, origin check) and the Redis channel layer:
refused without the second factor or the incidents role; told after commit when a timeline line is added."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client

from apps.accounts.choices import StaffRole
from apps.core.actors import Actor
from apps.incidents.services.incidents import incident_note, incident_transition
from dbsbm.asgi import application
from tests.portal import incidents_data
from tests.second_factor import verified_client

ACTOR = Actor.system("portal live tests")


def _cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(path: str, cookie: str | None):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_only_verified_staff_who_read_incidents_may_watch(staff_user, portal_user):
    def _sessions():
        password_only = Client()
        password_only.force_login(portal_user(StaffRole.SECURITY_ANALYST, username="ws-inc-pw"))
        ops = verified_client(staff_user(StaffRole.OPS, username="ws-inc-ops"))
        return incidents_data.incident().pk, _cookie(password_only), _cookie(ops)

    incident_id, password_only, ops = await database_sync_to_async(_sessions)()
    for path in ("/ws/portal/incidents/", f"/ws/portal/incidents/{incident_id}/"):
        for cookie in (None, password_only, ops):
            communicator, connected, code = await _connect(path, cookie)
            assert (connected, code) == (False, 4403), (path, cookie)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_timeline_line_tells_the_list_and_that_incidents_page_after_commit(portal_user):
    def _setup():
        cookie = _cookie(verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username="ws-inc-officer")))
        return incidents_data.incident(1), incidents_data.incident(2), cookie

    watched, other, cookie = await database_sync_to_async(_setup)()
    board, connected, _ = await _connect("/ws/portal/incidents/", cookie)
    assert connected and await board.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }
    page, connected, _ = await _connect(f"/ws/portal/incidents/{watched.pk}/", cookie)
    assert connected and await page.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }

    await database_sync_to_async(incident_note)(incident=watched, actor=ACTOR, text="Blocked at the edge")
    expected = {"type": "changed", "incident": watched.pk, "kind": "note"}
    assert await page.receive_json_from(timeout=5) == expected
    assert await board.receive_json_from(timeout=5) == expected

    await database_sync_to_async(incident_transition)(incident=other, actor=ACTOR, status="triaged")
    moved = {"type": "changed", "incident": other.pk, "kind": "status_changed"}
    assert await board.receive_json_from(timeout=5) == moved
    assert await page.receive_nothing(timeout=0.5)  # another incident's change is not this page's
    await board.disconnect()
    await page.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_rolled_back_change_tells_nobody(portal_user):
    def _setup():
        cookie = _cookie(verified_client(portal_user(StaffRole.SECURITY_ANALYST, username="ws-inc-analyst")))
        return incidents_data.incident(3), cookie

    incident, cookie = await database_sync_to_async(_setup)()
    page, connected, _ = await _connect(f"/ws/portal/incidents/{incident.pk}/", cookie)
    assert connected and await page.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }

    def _rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            incident_note(incident=incident, actor=ACTOR, text="written, then rolled back")
            raise RuntimeError("the change fails after the timeline line")

    await database_sync_to_async(_rolled_back)()
    assert await page.receive_nothing(timeout=0.5)
    await page.disconnect()
