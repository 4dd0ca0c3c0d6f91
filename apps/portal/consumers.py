"""The live dashboard at /ws/portal/dashboard/: portal staff whose session passed the second factor.

Access is checked when the socket opens and re-checked while it is open (apps/core/second_factor.py):
a socket outlives the page that opened it, and its user may meanwhile have signed out, been deactivated
or lost the portal role. Then it is closed with REFUSED instead.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.second_factor import REFUSED, StaffSocketMixin
from apps.portal.access import may_use_portal
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
        await self.send_json({"type": "hello"})

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
        await self.send_json({"type": "hello"})

    async def disconnect(self, code) -> None:
        await self.staff_watch_stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def incident_changed(self, message: dict) -> None:
        if await self.staff_still_admitted():
            await self.send_json({"type": "changed", "incident": message["incident"], "kind": message["kind"]})

    async def receive_json(self, content, **kwargs) -> None:
        """One-way: whatever the browser sends is ignored."""
