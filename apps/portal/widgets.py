"""Rendering the dashboard's widgets. The domain apps register them (name, title, template, context
builder) in their portal.py (registry: apps/core/portal.py).

The dashboard renders them all; /portal/widgets/<name>/ renders one (the browser fetches it when the
websocket says that widget changed). Each builder costs a fixed number of queries, whatever the number
of frameworks, rows or encrypted columns (tests/portal/test_query_budgets.py). A widget that shows a period
(`takes_range`) is built for the days the dashboard's time-range picker chose.
"""

from django.template.loader import render_to_string

from apps.core.portal import portal_widgets
from apps.portal.access import OFFICER, SUPERUSER, user_roles


def render_widget(name: str, request=None, date_range=None) -> str:
    """One widget's HTML; links into officer-only pages are shown to officers (and superusers) only.
    `date_range` (start, end days) is required by the widgets that take a range."""
    widget = portal_widgets()[name]
    roles = user_roles(request.user) if request is not None else frozenset()
    built = widget.build(start=date_range.start, end=date_range.end) if widget.takes_range else widget.build()
    context = {"widget": widget, "drill_down": bool(roles & {OFFICER, SUPERUSER}), **built}
    return render_to_string(widget.template, context, request=request)
