"""Live refresh of the dashboard: the domain apps name, in their portal.py, which of their signals change
which widgets (`register_portal_refresh`, apps/core/portal.py); this connects them. Receivers are thin:
they name the widgets to refresh (realtime.py tells the open dashboards) and never raise. The signals are
sent inside the change's transaction, so the dashboards are told after it commits (a rolled-back change
tells nobody)."""

import logging

from apps.core.portal import portal_refreshes
from apps.portal.realtime import dashboard_changed

logger = logging.getLogger(__name__)


def _receiver(reason: str, widgets: list[str]):
    def receive(sender, **kwargs) -> None:
        try:
            dashboard_changed(widgets=widgets, reason=reason)  # sends after commit (core.broadcast)
        except Exception:  # noqa: BLE001 - a live view must never break the change that caused it
            logger.exception("portal receiver for %s failed", reason)

    return receive


def connect() -> None:
    """Connect the receivers (idempotent: one dispatch uid per signal)."""
    for refresh in portal_refreshes():
        receiver = _receiver(refresh.reason, list(refresh.widgets))
        refresh.signal.connect(receiver, weak=False, dispatch_uid=f"portal.dashboard.{refresh.reason}")
