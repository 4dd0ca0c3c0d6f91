"""Live dashboard updates: one Channels group, a small message naming the widgets that changed.

Receivers of the domain signals (receivers.py) call `dashboard_changed`; every open dashboard gets
`{"type": "changed", "widgets": [...], "reason": ...}` and fetches those widgets again over HTTP
(/portal/widgets/<name>/), so each browser sees them with its own session's permissions.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.portal import portal_widgets

logger = logging.getLogger(__name__)


def dashboard_group() -> str:
    return settings.PORTAL_DASHBOARD_GROUP


def dashboard_changed(*, widgets: list[str], reason: str) -> None:
    """Tell the open dashboards; a broken channel layer never fails the change that caused this."""
    known = portal_widgets()
    names = sorted({name for name in widgets if name in known})
    layer = get_channel_layer()
    if layer is None or not names:
        return
    try:
        async_to_sync(layer.group_send)(
            dashboard_group(), {"type": "dashboard.changed", "widgets": names, "reason": reason[:64]}
        )
    except Exception as error:  # noqa: BLE001 - the change is stored; only the live view misses it
        logger.warning("portal dashboard send failed: %s", type(error).__name__)
