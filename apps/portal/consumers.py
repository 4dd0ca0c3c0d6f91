"""The live dashboard at /ws/portal/dashboard/ (and the incident pages' and analytics dashboards' sockets): portal
staff whose session passed the second factor.

Access is checked when the socket opens and re-checked while it is open (apps/core/second_factor.py):
a socket outlives the page that opened it, and its user may meanwhile have signed out, been deactivated
or lost the portal role. Then it is closed with REFUSED instead.
"""

import asyncio
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from apps.analytics.models import DashboardScope
from apps.analytics.selectors.dashboards import dashboard_get, dashboard_tenant
from apps.analytics.selectors.live import widgets_changed
from apps.core.broadcast import live_hello
from apps.core.errors import NotFoundError
from apps.core.second_factor import REFUSED, StaffSocketMixin
from apps.portal.access import may_use_portal
from apps.portal.analytics_live import analytics_group
from apps.portal.incidents_live import incident_group, incidents_group
from apps.portal.realtime import dashboard_group

VIEW_INCIDENT = "incidents.view_incident"


class DashboardConsumer(StaffSocketMixin, AsyncJsonWebsocketConsumer):
    """Authorize, join the group, say hello, then forward "these widgets changed" messages."""

    def user_may_watch(self, user) -> bool:
        return may_use_portal(user)

    async def connect(self) -> None:
        if not await self.staff_admitted():
            await self.close(code=REFUSED)
            return
        self.group = dashboard_group()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.staff_watch_start()
        await self.send_json(live_hello())

    async def disconnect(self, code) -> None:
        await self.staff_watch_stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dashboard_changed(self, message: dict) -> None:
        if await self.staff_still_admitted():
            await self.send_json({"type": "changed", "widgets": message["widgets"], "reason": message["reason"]})

    async def receive_json(self, content, **kwargs) -> None:
        """The dashboard stream is one-way; whatever the browser sends is ignored."""


class IncidentsConsumer(StaffSocketMixin, AsyncJsonWebsocketConsumer):
    """/ws/portal/incidents/ (list and board) and /ws/portal/incidents/<id>/ (one incident's page): verified
    portal staff who may read incidents; forwards `{"type": "changed", "incident", "kind"}` (incidents_live.py)."""

    def user_may_watch(self, user) -> bool:
        return may_use_portal(user) and user.has_perm(VIEW_INCIDENT)

    async def connect(self) -> None:
        if not await self.staff_admitted():
            await self.close(code=REFUSED)
            return
        incident_id = self.scope["url_route"]["kwargs"].get("incident_id")
        self.group = incidents_group() if incident_id is None else incident_group(incident_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.staff_watch_start()
        await self.send_json(live_hello())

    async def disconnect(self, code) -> None:
        await self.staff_watch_stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def incident_changed(self, message: dict) -> None:
        if await self.staff_still_admitted():
            await self.send_json({"type": "changed", "incident": message["incident"], "kind": message["kind"]})

    async def receive_json(self, content, **kwargs) -> None:
        """One-way: whatever the browser sends is ignored."""


GONE = 4404  # close code: no such dashboard (or a tenant template opened without a tenant)


class AnalyticsDashboardConsumer(StaffSocketMixin, AsyncJsonWebsocketConsumer):
    """/ws/portal/analytics/<dashboard_id>/[?tenant=<guild id>]: verified portal staff (staff see every dashboard).

    Joins the group of what the dashboard shows (the platform, or its tenant), then forwards
    `{"type": "changed", "widgets": [ids]}` naming its widgets whose metrics or panels moved. Debounced: the first
    change after a quiet second goes out at once; the changes of the next second are merged into one message sent
    when it ends (ANALYTICS_LIVE_MIN_INTERVAL_MS), so an open dashboard refetches at most once a second."""

    def user_may_watch(self, user) -> bool:
        return may_use_portal(user)

    async def connect(self) -> None:
        if not await self.staff_admitted():
            await self.close(code=REFUSED)
            return
        self.dashboard_id = self.scope["url_route"]["kwargs"]["dashboard_id"]
        self.group = await self._group()
        if self.group is None:
            await self.close(code=GONE)
            return
        self.metrics, self.panels = set(), set()
        self.last_sent = float("-inf")
        self.flush = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.staff_watch_start()
        await self.send_json(live_hello())

    @database_sync_to_async
    def _group(self) -> str | None:
        guild_id = parse_qs(self.scope.get("query_string", b"").decode()).get("tenant", [""])[0]
        try:
            dashboard = dashboard_get(dashboard_id=self.dashboard_id)
            tenant = dashboard_tenant(dashboard=dashboard, guild_id=guild_id)
        except NotFoundError:
            return None
        if dashboard.scope == DashboardScope.PLATFORM:
            return analytics_group(None)
        return analytics_group(tenant.pk) if tenant is not None else None

    async def disconnect(self, code) -> None:
        await self.staff_watch_stop()
        flush = getattr(self, "flush", None)
        if flush is not None and not flush.done():
            flush.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def analytics_changed(self, message: dict) -> None:
        self.metrics.update(message.get("metrics") or ())
        self.panels.update(message.get("panels") or ())
        if self.flush is None or self.flush.done():
            interval = settings.ANALYTICS_LIVE_MIN_INTERVAL_MS / 1000
            wait = max(0.0, self.last_sent + interval - time.monotonic())
            self.flush = asyncio.get_running_loop().create_task(self._flush_after(wait))

    async def _flush_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        metrics, panels = self.metrics, self.panels
        self.metrics, self.panels = set(), set()
        widgets = await database_sync_to_async(widgets_changed)(
            dashboard_id=self.dashboard_id, metrics=metrics, panels=panels
        )
        if widgets and await self.staff_still_admitted():
            self.last_sent = time.monotonic()
            await self.send_json({"type": "changed", "widgets": widgets})

    async def receive_json(self, content, **kwargs) -> None:
        """One-way: whatever the browser sends is ignored."""
