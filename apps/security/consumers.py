"""The live security stream for the portal: authenticated staff with `security.view_securityevent` only."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from apps.security.realtime import event_payload, stream_group
from apps.security.selectors import security_event_recent

VIEW_PERMISSION = "security.view_securityevent"
REFUSED = 4403  # close code: authenticated or not, this user may not watch the stream


class SecurityEventConsumer(AsyncJsonWebsocketConsumer):
    """Authorize, join the group, send a snapshot of recent events, then forward deltas."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await self._allowed(user):
            await self.close(code=REFUSED)
            return
        self.group = stream_group()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        events = await database_sync_to_async(security_event_recent)(limit=settings.SECURITY_STREAM_SNAPSHOT_SIZE)
        await self.send_json({"type": "snapshot", "events": [event_payload(event) for event in events]})

    @database_sync_to_async
    def _allowed(self, user) -> bool:
        return bool(
            user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(VIEW_PERMISSION)
        )

    async def disconnect(self, code) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def stream_delta(self, message: dict) -> None:
        await self.send_json({"type": message["kind"], message["kind"]: message["payload"]})

    async def receive_json(self, content, **kwargs) -> None:
        """The stream is one-way; whatever the browser sends is ignored."""
