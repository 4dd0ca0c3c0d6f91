"""The SLA clock of one data-subject request as the portal shows it: how long is left (or how late it is),
and, once closed, whether it closed in time. Words, not only a colour: "due in 3 days", "overdue by 2 days"."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DAY_SECONDS = 86400


def _days(seconds: float) -> int:
    """Whole days, rounded up: a request due in 3 hours is due in 1 day, one 3 hours late is 1 day overdue."""
    return max(1, -(-int(seconds) // DAY_SECONDS))


def request_sla(dsr, *, now=None) -> dict:
    """{"state": on_track | due_soon | overdue | closed_in_time | closed_late, "text": what the clock says}."""
    now = now or timezone.now()
    if not dsr.is_open:
        closed = dsr.completed_at or dsr.updated_at
        if closed <= dsr.due_at:
            return {"state": "closed_in_time", "text": _("closed within the deadline")}
        days = _days((closed - dsr.due_at).total_seconds())
        text = ngettext("closed %(days)d day after the deadline", "closed %(days)d days after the deadline", days)
        return {"state": "closed_late", "text": text % {"days": days}}
    left = (dsr.due_at - now).total_seconds()
    if left < 0:
        days = _days(-left)
        text = ngettext("overdue by %(days)d day", "overdue by %(days)d days", days)
        return {"state": "overdue", "text": text % {"days": days}}
    days = _days(left)
    state = "due_soon" if left < settings.PRIVACY_REQUEST_WARN_DAYS * DAY_SECONDS else "on_track"
    return {"state": state, "text": ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}}
