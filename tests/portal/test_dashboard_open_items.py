"""The dashboard's first screen (issue 17): open security alerts, fraud cases and incidents, and a forecast
with its bands and backtest coverage, each saying what creates its first item while it has none."""

import json
import re

import pytest
from django.urls import reverse

from apps.analytics.models import Forecast
from apps.analytics.services.forecasts import forecast_for
from apps.incidents.choices import IncidentSeverity, IncidentStatus
from tests.analytics.history import place_daily_history
from tests.portal import data
from tests.portal.incidents_data import incident

pytestmark = pytest.mark.django_db


def _widget(html: str, name: str) -> str:
    match = re.search(rf'data-widget="{name}".*?</section>', html, re.S)
    assert match, f"no {name} widget on the dashboard"
    return match.group(0)


def _count(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', html).group(1))


def test_with_nothing_open_each_widget_says_what_creates_its_first_item(officer_client):
    html = officer_client.get(reverse("portal:dashboard")).content.decode()

    for name, link in [
        ("security_alerts", "portal:security_alerts"),
        ("fraud_cases", "portal:fraud_cases"),
        ("incidents", "portal:incidents"),
    ]:
        widget = _widget(html, name)
        assert _count(widget, name) == 0
        assert 'class="empty"' in widget and f'href="{reverse(link)}"' in widget
    assert "No forecast yet" in _widget(html, "forecast")


def test_open_items_are_counted_most_severe_first_and_closed_ones_left_out(officer_client):
    data.security_alerts(2)
    data.fraud_cases(3)
    critical = incident(1, severity=IncidentSeverity.CRITICAL)
    incident(2, severity=IncidentSeverity.LOW)
    incident(3, status=IncidentStatus.CLOSED)

    html = officer_client.get(reverse("portal:dashboard")).content.decode()

    assert _count(_widget(html, "security_alerts"), "security_alerts") == 2
    assert _count(_widget(html, "fraud_cases"), "fraud_cases") == 3
    incidents = _widget(html, "incidents")
    assert _count(incidents, "incidents") == 2
    assert "#3" not in incidents
    assert incidents.index(critical.title) < incidents.index("#2")
    assert f'href="{reverse("portal:incident", kwargs={"incident_id": critical.pk})}"' in incidents


def test_the_forecast_widget_draws_actuals_and_bands_with_the_backtest_coverage(
    officer_client, tenant, actor, settings
):
    settings.ANALYTICS_FORECAST_MAX_ORIGINS = 2
    place_daily_history(tenant=tenant, actor=actor, days=42)
    forecast_for({"metrics": "stake_units", "grain": "day"}, tenant=tenant, metric="stake_units", horizon=14)
    stored = Forecast.objects.get(metric="stake_units")

    widget = _widget(officer_client.get(reverse("portal:dashboard")).content.decode(), "forecast")

    figure = json.loads(re.search(r'<script id="fig-forecast" type="application/json">(.*?)</script>', widget).group(1))
    names = [trace.get("name") for trace in figure["data"]]
    assert names[0] == "actual" and "forecast" in names and "80% interval" in names and "95% interval" in names
    assert len(figure["data"][0]["x"]) == 30  # the last 30 days of history
    assert figure["data"][-1]["x"][0] == stored.points[0]["t"]
    assert stored.model_name in widget
    assert f"{stored.coverage_80:.2f}" in widget and tenant.name in widget


def test_an_analyst_sees_the_open_items_too(analyst_client):
    data.fraud_cases(1)

    html = analyst_client.get(reverse("portal:dashboard")).content.decode()

    assert _count(_widget(html, "fraud_cases"), "fraud_cases") == 1
