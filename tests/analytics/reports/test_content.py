"""A report's content is the metric layer's numbers: KPIs are run_query's answers for the period and the one
before, movers and recommendations are written from those figures and change when the data changes."""

import zoneinfo
from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.analytics.choices import ReportPeriod, ReportScope
from apps.analytics.metrics import METRICS
from apps.analytics.query import MetricQuery, run_query
from apps.analytics.reports.build import report_content_build
from apps.analytics.reports.periods import period_range, previous_range
from apps.analytics.reports.templates import (
    MOVERS,
    PLATFORM_BUSINESS,
    RECOMMENDATIONS,
    REPORT_TEMPLATES,
    TENANT_EXECUTIVE,
)
from tests.analytics.reports.scenario import add_parlays, add_single, two_weeks
from tests.analytics.world import build_world

pytestmark = pytest.mark.django_db


def _build(tenant, template=TENANT_EXECUTIVE):
    """The template's content for the last 7 days as a run today would cover them."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone if tenant else "UTC")).date()
    start, end = period_range(ReportPeriod.LAST_7_DAYS, today=today)
    return report_content_build(template=template, tenant=tenant, start=start, end=end)


def _sentences(content) -> list[str]:
    return [item.text for item in content.section("recommendations").recommendations]


@pytest.mark.parametrize("template", list(REPORT_TEMPLATES.values()), ids=lambda template: template.key)
def test_every_section_of_every_template_is_a_valid_metric_query(template, tenant):
    scope_tenant = tenant if template.scope == ReportScope.TENANT else None
    for section in template.sections:
        if section.kind == RECOMMENDATIONS:
            continue
        params = {"metrics": ",".join(section.metrics), "grain": "none"}
        if section.dimension:
            params["group_by"] = section.dimension
            assert section.rank_by in section.metrics
        MetricQuery.parse(params, tenant=scope_tenant)  # raises a 400 naming what is wrong
        if section.kind == MOVERS:  # a change of a sum reads well; of a ratio it is a KPI's job
            assert all(METRICS[metric].aggregation == "sum" for metric in section.metrics), section.key


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("last_7_days", date(2026, 12, 7), (date(2026, 11, 30), date(2026, 12, 6))),
        ("last_30_days", date(2026, 12, 7), (date(2026, 11, 7), date(2026, 12, 6))),
        ("previous_week", date(2026, 12, 9), (date(2026, 11, 30), date(2026, 12, 6))),
        ("previous_month", date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
    ],
)
def test_periods_are_complete_days_before_the_run(period, today, expected):
    assert period_range(period, today=today) == expected
    start, end = expected
    assert previous_range(start, end) == (start - (end - start) - timedelta(days=1), start - timedelta(days=1))


def test_the_kpis_are_run_querys_numbers_for_the_period_and_the_one_before(tenant, actor):
    weeks = two_weeks(tenant=tenant, actor=actor)
    add_parlays(weeks, actor=actor, count=2)
    content = _build(tenant)

    summary = TENANT_EXECUTIVE.section("summary")
    query = MetricQuery.parse(
        {"metrics": ",".join(summary.metrics), "grain": "none", "from": str(content.start), "to": str(content.end)},
        tenant=tenant,
    )
    current, previous = run_query(query).rows[0], run_query(query.previous_period()).rows[0]
    kpis = content.section("summary").kpis
    assert [kpi.metric for kpi in kpis] == list(summary.metrics)
    assert [kpi.current for kpi in kpis] == current
    assert [kpi.previous for kpi in kpis] == previous
    figures = {kpi.metric: (kpi.current, kpi.previous) for kpi in kpis}
    assert figures["bets_placed"] == (8, 6)
    assert figures["stake_units"] == (9.5, 8.5)
    assert figures["active_cappers"] == (2, 2)  # distinct cappers, not bets
    assert figures["pending_bets"] == (3, 1)
    assert (content.previous_start, content.previous_end) == (
        content.start - timedelta(days=7),
        content.end - timedelta(days=7),
    )
    # the XLSX/CSV rows of the section are the same figures
    assert content.section("summary").rows[1] == ["stake_units", "Handle (units staked)", 9.5, 8.5, 1.0, 1 / 8.5]


def test_equal_weeks_show_the_query_rows_no_movers_and_sentences_from_the_figures(tenant, actor):
    weeks = two_weeks(tenant=tenant, actor=actor)

    content = _build(tenant)

    trend = run_query(
        MetricQuery.parse(
            {"metrics": "stake_units,units_net", "grain": "day", "from": str(content.start), "to": str(content.end)},
            tenant=tenant,
        )
    )
    assert content.section("handle_trend").rows == trend.rows
    assert len(trend.rows) == 7 and sum(row[1] for row in trend.rows) == 8.5
    top = content.section("top_cappers")
    assert top.columns == ["capper", "label", "units_net", "stake_units", "roi", "win_rate", "bets_placed"]
    assert [row[:2] for row in top.rows] == [[weeks.joe.pk, "joe"], [weeks.ann.pk, "ann"]]  # by net units
    assert top.table_rows[0] == ["joe", "+3.02", "6.00", "+100.61%", "100.0%", "3"]
    assert content.section("league_movers").movers == [] and content.section("capper_movers").movers == []
    assert _sentences(content) == [
        "Capper joe accounts for 71% of the handle (6.00 of 8.50 units): the period's figures depend on one capper.",
        "1 bet placed in the period is still pending: net units and ROI leave them out until they are settled, "
        "so check their games' results.",
    ]


def test_a_rising_parlay_share_is_written_from_the_numbers_and_follows_them(tenant, actor):
    weeks = two_weeks(tenant=tenant, actor=actor)
    add_parlays(weeks, actor=actor, count=4)

    first = _sentences(_build(tenant))
    add_parlays(weeks, actor=actor, count=2, start=4)
    second = _sentences(_build(tenant))

    parlay = "a parlay is lost when any leg loses, so expect wider swings in net units and review parlay stakes."
    assert f"Parlay share rose from 17% to 50% (about 5 of 10 bets): {parlay}" in first
    assert f"Parlay share rose from 17% to 58% (about 7 of 12 bets): {parlay}" in second
    assert "Handle rose 24% (from 8.50 units to 10.50 units); the largest part came from league (none) " in first[0]
    assert second[0].startswith("Handle rose 35% (from 8.50 units to 11.50 units)")
    assert "5 bets placed in the period are still pending" in first[-1]


def test_movers_rank_the_largest_change_and_the_sentences_say_which(tenant, actor):
    weeks = two_weeks(tenant=tenant, actor=actor)
    add_single(weeks, actor=actor, capper=weeks.ann, league="NFL", stake="2.00", won=True, tag="a")

    won = _build(tenant)
    movers = won.section("league_movers").movers
    assert [(mover.label, mover.previous, mover.current) for mover in movers] == [("NFL", 0, 2.0)]
    assert "Among leagues, NFL moved most in net units: from +0.00 to +2.00 (+2.00)." in _sentences(won)
    assert "Among cappers, ann moved most in net units: from +0.79 to +2.79 (+2.00)." in _sentences(won)

    add_single(weeks, actor=actor, capper=weeks.joe, league="NHL", stake="5.00", won=False, tag="b")
    lost = _build(tenant)
    assert [mover.label for mover in lost.section("league_movers").movers] == ["NHL", "NFL"]
    sentences = _sentences(lost)
    assert "Among leagues, NHL moved most in net units: from +1.20 to -3.80 (-5.00)." in sentences
    assert "Among cappers, joe moved most in net units: from +3.02 to -1.98 (-5.00)." in sentences
    assert any(sentence.startswith("Handle rose 82% (from 8.50 units to 15.50 units)") for sentence in sentences)


def test_a_loss_turns_net_units_negative_and_names_the_largest_drop(tenant, actor):
    weeks = two_weeks(tenant=tenant, actor=actor)
    add_single(weeks, actor=actor, capper=weeks.joe, league="NFL", stake="9.00", won=False, tag="c")

    sentences = _sentences(_build(tenant))

    assert (
        "Net units turned negative: -5.19 against +3.81 in the previous period, ROI -38.45%; "
        "the largest drop was league NFL (-9.00)." in sentences
    )


def test_the_platform_report_reads_every_tenant(tenant, other_tenant, actor):
    two_weeks(tenant=tenant, actor=actor)
    build_world(tenant=other_tenant, actor=actor, suffix="2", hours_ago=30)  # this week only

    content = _build(None, PLATFORM_BUSINESS)

    kpis = {kpi.metric: kpi for kpi in content.section("summary").kpis}
    assert (kpis["bets_placed"].current, kpis["stake_units"].current, kpis["active_cappers"].current) == (12, 17.0, 4)
    assert (kpis["bets_placed"].previous, kpis["stake_units"].previous) == (6, 8.5)
    movers = content.section("tenant_movers").movers
    assert [(mover.label, mover.previous, mover.current) for mover in movers] == [("Other Guild", 0, 8.5)]
    assert [row[1] for row in content.section("top_tenants").rows] == ["Home Guild", "Other Guild"]  # 8.5 each
    sentences = _sentences(content)
    assert sentences[0] == (
        "Handle rose 100% (from 8.50 units to 17.00 units); the largest part came from tenant Other Guild "
        "(+8.50 units)."
    )
    assert "Among tenants, Other Guild moved most in handle (units staked): from 0.00 to 8.50 (+8.50)." in sentences
