"""The daily insight scan on bets placed through the betting services: a handle spike becomes one insight
with the range the week's pattern expected, a rescan adds nothing, flat metrics give none, and a tenant
too young to judge gets no insight but a scan state that says why."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.analytics.models import Insight, InsightScan
from apps.analytics.services.insights import TENANT_METRICS, insights_compute, insights_dispatch_due
from apps.audit.models import AuditEvent
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_update
from tests.analytics.alerting_data import make_capper, place_stakes
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

DAYS = 28  # four weeks: the shortest history a weekly season is judged on is three
WEEK = ["1.00", "1.20", "1.10", "1.30", "1.00", "3.00", "3.20"]
SPIKE_DAY = 25  # three days before the scan's last day


@pytest.fixture(autouse=True)
def _history(settings):
    settings.ANALYTICS_INSIGHT_HISTORY_DAYS = DAYS


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)


def _born(tenant, days: int, now: datetime) -> None:
    """The tenant joined `days` ago (its creation stamp is not a service's to change)."""
    Tenant.objects.filter(pk=tenant.pk).update(created_at=now - timedelta(days=days))
    tenant.refresh_from_db()


@pytest.fixture
def spiked(tenant, actor, now):
    """One bet a day for four weeks up to yesterday, weekends staked higher; 9.50 units on day 25."""
    _born(tenant, DAYS + 2, now)
    tenant_update(tenant=tenant, actor=actor, plan_code="enterprise")  # the free plan caps open bets at 25
    tenant.refresh_from_db()
    capper = make_capper(tenant=tenant, actor=actor, username="joe")
    first = (now - timedelta(days=DAYS)).replace(hour=12)
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        stake = "9.50" if offset == SPIKE_DAY else WEEK[day.weekday()]
        place_stakes(tenant=tenant, actor=actor, capper=capper, stakes=[stake], at=day)
    return first


def test_a_handle_spike_becomes_one_insight_with_the_expected_range(tenant, spiked, now):
    scan = insights_compute(tenant=tenant, now=now)

    (insight,) = Insight.objects.all()
    spike_day = spiked + timedelta(days=SPIKE_DAY)
    assert [row.pk for row in scan.created] == [insight.pk]
    assert (insight.metric, insight.tenant_id, insight.bucket, insight.direction) == (
        "stake_units", tenant.pk, spike_day.date().isoformat(), "above",
    )  # fmt: skip
    usual = float(WEEK[spike_day.weekday()])
    assert insight.observed == pytest.approx(9.5)
    assert insight.expected_low <= usual <= insight.expected_high < insight.observed
    assert insight.z > 3.5 and 0.99 < insight.confidence <= 1
    scans = {row.metric: row for row in InsightScan.objects.filter(tenant=tenant)}
    assert set(scans) == set(TENANT_METRICS)
    assert {row.status for row in scans.values()} == {"judged"} and scans["stake_units"].anomalies == 1
    assert scans["stake_units"].points == DAYS and scans["bets_placed"].anomalies == 0  # one bet a day: flat
    event = AuditEvent.objects.get(action="analytics.insights_computed")
    assert (event.guild_id, event.changes["insight_ids"]) == (tenant.guild_id, [insight.pk])

    again = insights_compute(tenant=tenant, now=now + timedelta(hours=1))
    assert again.created == [] and Insight.objects.count() == 1  # one insight per metric, scope and day


def test_a_tenant_too_young_gets_no_insight_and_a_state_saying_why(actor, now):
    young = TenantFactory(guild_id="333333333333333333", name="Young Guild")
    _born(young, 10, now)
    capper = make_capper(tenant=young, actor=actor, username="new")
    place_stakes(tenant=young, actor=actor, capper=capper, stakes=["9.00"], at=now - timedelta(days=1))

    insights_compute(tenant=young, now=now)

    assert not Insight.objects.exists()
    scan = InsightScan.objects.get(tenant=young, metric="stake_units")
    assert (scan.status, scan.points) == ("not_judged", 10)
    assert scan.reason == "too short: 10 buckets, at least 21 needed (3 periods)"


def test_beat_scans_each_scope_once_a_day(tenant, actor, now, django_capture_on_commit_callbacks):
    _born(tenant, 3, now)

    with django_capture_on_commit_callbacks(execute=True):  # the scans run as tasks, after commit
        assert insights_dispatch_due(now=now) == [None, tenant.pk]

    assert InsightScan.objects.filter(tenant=tenant).count() == len(TENANT_METRICS)
    assert InsightScan.objects.filter(tenant=None, metric="incidents_opened").exists()
    assert insights_dispatch_due(now=now + timedelta(hours=1)) == []  # scanned through yesterday already
