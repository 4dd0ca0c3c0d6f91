"""The live dashboard at /ws/portal/dashboard/: portal staff whose session passed the second factor."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.compliance.portal.access import may_use_portal, session_device_verified
from apps.compliance.portal.realtime import dashboard_group

REFUSED = 4403  # close code: this user (or this session, without its second factor) may not watch


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Authorize, join the group, say hello, then forward "these widgets changed" messages."""

    async def connect(self) -> None:
        if not await self._allowed():
            await self.close(code=REFUSED)
            return
        self.group = dashboard_group()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello"})

    @database_sync_to_async
    def _allowed(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not may_use_portal(user):
            return False
        return session_device_verified(user, self.scope.get("session"))

    async def disconnect(self, code) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dashboard_changed(self, message: dict) -> None:
        await self.send_json({"type": "changed", "widgets": message["widgets"], "reason": message["reason"]})

    async def receive_json(self, content, **kwargs) -> None:
        """The dashboard stream is one-way; whatever the browser sends is ignored."""
