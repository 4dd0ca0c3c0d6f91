"""The live security stream at /ws/security/events/: staff with `security.view_securityevent` whose session
passed the second factor.

Access is checked when the socket opens and re-checked while it is open (apps/core/second_factor.py):
a socket outlives the page that opened it, and its user may meanwhile have signed out, been deactivated,
lost the permission or the device. Then it is closed with REFUSED.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from apps.core.second_factor import REFUSED, StaffSocketMixin
from apps.security.realtime import event_payload, stream_group
from apps.security.selectors import security_event_recent

VIEW_PERMISSION = "security.view_securityevent"


class SecurityEventConsumer(StaffSocketMixin, AsyncJsonWebsocketConsumer):
    """Authorize, join the group, send a snapshot of recent events, then forward deltas."""

    def user_may_watch(self, user) -> bool:
        return bool(user.is_staff and user.has_perm(VIEW_PERMISSION))

    async def connect(self) -> None:
        if not await self.staff_admitted():
            await self.close(code=REFUSED)
            return
        self.group = stream_group()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.staff_watch_start()
        events = await database_sync_to_async(security_event_recent)(limit=settings.SECURITY_STREAM_SNAPSHOT_SIZE)
        await self.send_json({"type": "snapshot", "events": [event_payload(event) for event in events]})

    async def disconnect(self, code) -> None:
        await self.staff_watch_stop()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def stream_delta(self, message: dict) -> None:
        if await self.staff_still_admitted():
            await self.send_json({"type": message["kind"], message["kind"]: message["payload"]})

    async def receive_json(self, content, **kwargs) -> None:
        """The stream is one-way; whatever the browser sends is ignored."""
