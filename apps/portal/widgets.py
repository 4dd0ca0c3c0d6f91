"""Rendering the dashboard's widgets. The domain apps register them (name, title, template, context
builder) in their portal.py (registry: apps/core/portal.py).

The dashboard renders them all; /portal/widgets/<name>/ renders one (the browser fetches it when the
websocket says that widget changed). Each builder costs a fixed number of queries, whatever the number
of frameworks, rows or encrypted columns (tests/portal/test_query_budgets.py).
"""

from django.template.loader import render_to_string

from apps.core.portal import portal_widgets
from apps.portal.access import OFFICER, SUPERUSER, user_roles


def render_widget(name: str, request=None) -> str:
    """One widget's HTML; links into officer-only pages are shown to officers (and superusers) only."""
    widget = portal_widgets()[name]
    roles = user_roles(request.user) if request is not None else frozenset()
    context = {"widget": widget, "drill_down": bool(roles & {OFFICER, SUPERUSER}), **widget.build()}
    return render_to_string(widget.template, context, request=request)
