"""Beat keeps the default forecasts fresh: one outbox task per series of each tenant with enough history
and of the platform; a series whose history did not change is not refitted."""

import pytest
from django.conf import settings as django_settings

from apps.analytics.models import Forecast
from apps.analytics.schedules import SCHEDULES
from apps.analytics.services.forecasts import default_series, forecast_refresh
from apps.analytics.tasks import forecasts_refresh_task
from apps.core.models import OutboxMessage
from apps.tenants.services import tenant_suspend
from dbsbm.celery import app as celery_app
from tests.analytics.history import place_daily_history

pytestmark = pytest.mark.django_db

REFRESH_TASK = "apps.analytics.tasks.forecast_refresh_task"
# two of the default series (a sum and a distinct count), to keep the fits few
SERIES = [("stake_units", "day"), ("active_cappers", "day")]


def test_the_refresh_is_a_declared_beat_job_of_a_registered_task_over_forecastable_series():
    (entry,) = [entry for entry in SCHEDULES if entry["task"] == "apps.analytics.tasks.forecasts_refresh_task"]
    assert entry["task"] in celery_app.tasks and REFRESH_TASK in celery_app.tasks
    assert entry["every_seconds"] == 3600
    assert default_series() == [tuple(pair) for pair in django_settings.ANALYTICS_FORECAST_DEFAULT_SERIES]


def test_a_beat_run_stores_the_default_forecasts_of_tenants_with_enough_history(
    tenant, other_tenant, actor, settings, django_capture_on_commit_callbacks
):
    settings.ANALYTICS_FORECAST_MAX_ORIGINS = 1
    settings.ANALYTICS_FORECAST_DEFAULT_SERIES = SERIES
    place_daily_history(tenant=tenant, actor=actor, days=42)  # the least a 14-day forecast needs
    place_daily_history(tenant=other_tenant, actor=actor, days=5)  # too young: not even enqueued

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = forecasts_refresh_task()

    expected = {(scope, metric, grain, 14) for scope in (tenant.pk, None) for metric, grain in SERIES}
    assert enqueued == len(expected) == 4  # the tenant's and the platform's
    messages = OutboxMessage.objects.filter(task_name=REFRESH_TASK)
    assert {tuple(message.args) for message in messages} == expected and len(messages) == 4
    assert all(message.completed_at is not None and not message.last_error for message in messages)
    stored = Forecast.objects.values_list("tenant_id", "metric", "grain", "horizon")
    assert set(stored) == expected
    assert all(forecast.history_points == 42 for forecast in Forecast.objects.all())
    computed = dict(Forecast.objects.values_list("pk", "computed_at"))

    with django_capture_on_commit_callbacks(execute=True):
        forecasts_refresh_task()

    assert dict(Forecast.objects.values_list("pk", "computed_at")) == computed  # same history: nothing refitted


def test_a_refresh_skips_a_series_with_too_little_history_or_a_tenant_no_longer_active(tenant, other_tenant, actor):
    place_daily_history(tenant=tenant, actor=actor, days=10)
    tenant_suspend(tenant=other_tenant, actor=actor, reason="test")

    assert forecast_refresh(tenant_id=tenant.pk, metric="stake_units", grain="day", horizon=14) is None
    assert forecast_refresh(tenant_id=other_tenant.pk, metric="stake_units", grain="day", horizon=14) is None
    assert not Forecast.objects.exists()
