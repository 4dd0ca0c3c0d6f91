"""The live dashboard at /ws/portal/dashboard/: portal staff whose session passed the second factor.

Access is checked when the socket opens and again before a change notice is forwarded (at most every
PORTAL_LIVE_RECHECK_SECONDS): a socket outlives the page that opened it, and its user may meanwhile
have signed out, been deactivated or lost the portal role. Then it is closed with REFUSED instead.
"""

import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from apps.compliance.portal.access import may_use_portal, session_device_verified
from apps.compliance.portal.realtime import dashboard_group

REFUSED = 4403  # close code: this user (or this session, without its second factor) may not watch


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Authorize, join the group, say hello, then forward "these widgets changed" messages."""

    async def connect(self) -> None:
        if not await self._allowed():
            await self.close(code=REFUSED)
            return
        self.checked_at = time.monotonic()
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

    @database_sync_to_async
    def _still_allowed(self) -> bool:
        """The same check on the session and user as they are now in the database."""
        session = self.scope.get("session")
        if session is None or not session.session_key:
            return False
        current = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)
        user_id = current.get(SESSION_KEY)
        user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
        if user is None or str(user.pk) != str(self.scope["user"].pk) or not may_use_portal(user):
            return False
        return session_device_verified(user, current)

    async def disconnect(self, code) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dashboard_changed(self, message: dict) -> None:
        if time.monotonic() - self.checked_at >= settings.PORTAL_LIVE_RECHECK_SECONDS:
            if not await self._still_allowed():
                await self.close(code=REFUSED)
                return
            self.checked_at = time.monotonic()
        await self.send_json({"type": "changed", "widgets": message["widgets"], "reason": message["reason"]})

    async def receive_json(self, content, **kwargs) -> None:
        """The dashboard stream is one-way; whatever the browser sends is ignored."""
