"""Live dashboard updates: one Channels group, a small message naming the widgets that changed.

Receivers of the domain signals (receivers.py) call `dashboard_changed`; after commit, every open dashboard gets
`{"type": "changed", "widgets": [...], "reason": ...}` and fetches those widgets again over HTTP
(/portal/widgets/<name>/), so each browser sees them with its own session's permissions.
"""

from django.conf import settings

from apps.core.broadcast import broadcast_on_commit
from apps.core.portal import portal_widgets


def dashboard_group() -> str:
    return settings.PORTAL_DASHBOARD_GROUP


def dashboard_changed(*, widgets: list[str], reason: str) -> None:
    """Tell the open dashboards after commit; a broken channel layer never fails the change that caused this."""
    known = portal_widgets()
    names = sorted({name for name in widgets if name in known})
    if not names:
        return
    broadcast_on_commit(
        group=dashboard_group(),
        message=lambda: {"type": "dashboard.changed", "widgets": names, "reason": reason[:64]},
        label="portal dashboard",
    )
