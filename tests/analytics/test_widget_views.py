"""A dashboard's widgets drawn together answer exactly as each drawn alone, in fewer queries (the queries that
differ only in their betting metrics run once)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analytics.models import Dashboard
from apps.analytics.selectors.dashboards import dashboard_range, dashboard_widgets
from apps.analytics.selectors.widgets import widget_view, widget_views
from tests.analytics.world import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["executive", "operational", "tenant-overview"])
def test_widgets_drawn_together_match_each_drawn_alone(tenant, actor, key):
    build_world(tenant=tenant, actor=actor)
    dashboard = Dashboard.objects.get(key=key)
    shown = tenant if dashboard.is_template else None
    date_range = dashboard_range(dashboard=dashboard, tenant=shown, params={})
    widgets = dashboard_widgets(dashboard=dashboard)

    with CaptureQueriesContext(connection) as alone_queries:
        alone = [widget_view(widget=widget, tenant=shown, date_range=date_range) for widget in widgets]
    with CaptureQueriesContext(connection) as together_queries:
        together = widget_views(widgets=widgets, tenant=shown, date_range=date_range)

    assert [(view.figure, view.error, view.notes, view.table) for view in together] == [
        (view.figure, view.error, view.notes, view.table) for view in alone
    ]
    assert [view.error for view in together] == [""] * len(widgets)
    assert len(together_queries) < len(alone_queries)
