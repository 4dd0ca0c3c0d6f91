"""Live analytics dashboards through the real ASGI application and the real Redis channel layer: a bet placed
tells the open dashboards that show betting figures (its tenant's and the platform's) which widgets to fetch
again; a burst of changes reaches a dashboard at most once a second; sockets need the second factor."""

import asyncio
import time
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from apps.accounts.choices import StaffRole
from apps.analytics.models import Dashboard
from apps.analytics.selectors.live import betting_change
from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.portal.analytics_live import GroupThrottle, analytics_group
from dbsbm.asgi import application
from tests.factories import TenantFactory
from tests.second_factor import verified_client

ACTOR = Actor.system("analytics live tests")


def _cookie(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def _connect(cookie: str | None, path: str) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


def _path(key: str, tenant=None) -> str:
    dashboard = Dashboard.objects.get(key=key)
    return f"/ws/portal/analytics/{dashboard.pk}/" + (f"?tenant={tenant.guild_id}" if tenant else "")


def _widget_ids(key: str) -> list[int]:
    return sorted(Dashboard.objects.get(key=key).widgets.values_list("pk", flat=True))


def _place(tenant, number: int) -> None:
    capper = capper_create(
        tenant=tenant, actor=ACTOR, discord_user_id=f"60000000000000{number:04d}", username=f"c{number}"
    )
    bet_place(tenant=tenant, actor=ACTOR, external_id=f"9{number}", capper=capper, stake_units=Decimal("1.00"),
              legs=[LegInput("prop", "over 9.5 rebounds", 110, None, None, "Celtics at Knicks")])  # fmt: skip


def _session(portal_user, username: str) -> str:
    return _cookie(verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username=username)))


async def _hello(communicator) -> None:
    assert await communicator.receive_json_from(timeout=5) == {
        "type": "hello",
        "reach": "cluster",
        "scheduler": "separate",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_bet_placed_names_the_widgets_showing_betting_figures_to_verified_staff(portal_user):
    def _setup():
        guild, elsewhere = TenantFactory(guild_id="810000000000000001"), TenantFactory(guild_id="810000000000000002")
        paths = {key: _path(key) for key in ("executive", "compliance")}
        paths["guild"] = _path("tenant-overview", guild)
        password_only = Client()
        password_only.force_login(portal_user(StaffRole.COMPLIANCE_OFFICER, username="live-password-only"))
        return guild, elsewhere, paths, _session(portal_user, "live-officer"), _cookie(password_only)

    guild, elsewhere, paths, cookie, password_only = await database_sync_to_async(_setup)()
    template = paths["guild"].split("?")[0]
    for refused_cookie, path, code in [
        (None, paths["executive"], 4403),
        (password_only, paths["executive"], 4403),  # signed in without the second factor
        (cookie, "/ws/portal/analytics/999999/", 4404),
        (cookie, template, 4404),  # a tenant template opened without a tenant
        (cookie, template + "?tenant=999999999999999999", 4404),
    ]:
        _, connected, closed_with = await _connect(refused_cookie, path)
        assert (connected, closed_with) == (False, code), path

    sockets = {}
    for name, path in paths.items():
        sockets[name], connected, _ = await _connect(cookie, path)
        assert connected
        await _hello(sockets[name])

    await database_sync_to_async(_place)(elsewhere, 1)
    executive = await sockets["executive"].receive_json_from(timeout=5)
    assert executive == {"type": "changed", "widgets": await database_sync_to_async(_widget_ids)("executive")}
    assert await sockets["guild"].receive_nothing(timeout=0.5)  # another tenant's bet
    assert await sockets["compliance"].receive_nothing(timeout=0.1)  # no widget there shows betting figures

    await asyncio_sleep_past_interval()
    await database_sync_to_async(_place)(guild, 2)
    guild_message = await sockets["guild"].receive_json_from(timeout=5)
    overview = await database_sync_to_async(_widget_ids)("tenant-overview")
    assert guild_message == {"type": "changed", "widgets": overview}
    assert (await sockets["executive"].receive_json_from(timeout=5))["widgets"] == executive["widgets"]
    for socket in sockets.values():
        await socket.disconnect()


async def asyncio_sleep_past_interval() -> None:
    """Let the executive socket's one-second window pass, so its next message is not held back."""
    await asyncio.sleep(settings.ANALYTICS_LIVE_MIN_INTERVAL_MS / 1000)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_burst_of_changes_reaches_a_dashboard_at_most_once_a_second_while_it_may_watch(portal_user, settings):
    settings.PORTAL_LIVE_RECHECK_SECONDS = 0  # re-check the session before every message
    interval = settings.ANALYTICS_LIVE_MIN_INTERVAL_MS / 1000

    def _setup():
        guild = TenantFactory(guild_id="820000000000000001")
        return guild.pk, _path("tenant-overview", guild), _session(portal_user, "live-burst")

    tenant_id, path, cookie = await database_sync_to_async(_setup)()
    communicator, connected, _ = await _connect(cookie, path)
    assert connected
    await _hello(communicator)
    layer = get_channel_layer()

    # twenty changes reach the socket's group at once (as from several web processes)
    burst_at = time.monotonic()
    for _ in range(20):
        await layer.group_send(analytics_group(tenant_id), {"type": "analytics.changed", **betting_change()})
    first = await communicator.receive_json_from(timeout=5)
    second = await communicator.receive_json_from(timeout=5)
    second_at = time.monotonic()

    overview = await database_sync_to_async(_widget_ids)("tenant-overview")
    assert first == second == {"type": "changed", "widgets": overview}
    # the other nineteen were merged into one message held back until a second after the first: measured from
    # the burst (the first cannot have been sent before it), as a late first receive under load says nothing
    assert second_at - burst_at >= interval * 0.9
    assert await communicator.receive_nothing(timeout=1.5)

    # signed out elsewhere: the next change closes the socket instead of telling it
    await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()
    await layer.group_send(analytics_group(tenant_id), {"type": "analytics.changed", **betting_change()})
    assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_a_process_sends_to_a_group_at_most_once_a_second_merging_the_rest():
    # a layer of its own to receive with: the process's shared one keeps a receive lock per channel prefix,
    # bound to the event loop of whichever earlier test received first (the throttle sends through the shared one)
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    group = f"analytics.test-throttle-{time.monotonic_ns()}"
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    throttle = GroupThrottle()

    def _burst():
        throttle.send(group, {"units_net"}, set())
        for _ in range(19):
            throttle.send(group, {"roi"}, {"pending_past_game_end"})

    await database_sync_to_async(_burst)()
    first = await asyncio.wait_for(layer.receive(channel), timeout=5)
    second = await asyncio.wait_for(layer.receive(channel), timeout=5)

    assert first == {"type": "analytics.changed", "metrics": ["units_net"], "panels": []}
    assert second == {"type": "analytics.changed", "metrics": ["roi"], "panels": ["pending_past_game_end"]}
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), timeout=1.5)
    await layer.group_discard(group, channel)
