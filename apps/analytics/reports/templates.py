"""Report templates as data: which sections a report has and which metrics each section reads.

A section is one of five kinds, each answered by metric queries (apps/analytics/query.py) over the run's
period and, where it compares, over the period just before (`MetricQuery.previous_period()`):

- `kpis`: the executive summary, each metric's value, its value in the previous period and the change;
- `movers`: the values of `dimension` (leagues, cappers, tenants…) whose `rank_by` metric changed most;
- `trend`: the metrics per day (per week past TREND_DAILY_MAX_DAYS), drawn as a line chart;
- `top`: the values of `dimension` with the highest `rank_by`, with the section's metrics beside them;
- `recommendations`: sentences written by rules (recommendations.py) from the other sections' figures.

Every section's rows (the query results behind it) go to the CSV and to one XLSX sheet each. Metric names
and dimensions are checked by `MetricQuery.parse` when a report runs, and by a test for every template.
"""

from dataclasses import dataclass

from apps.analytics.choices import ReportScope

KPIS, MOVERS, TREND, TOP, RECOMMENDATIONS = "kpis", "movers", "trend", "top", "recommendations"
SECTION_KINDS = (KPIS, MOVERS, TREND, TOP, RECOMMENDATIONS)


@dataclass(frozen=True)
class Section:
    key: str  # stable: the XLSX sheet and the CSV block are named by the title, tests find sections by key
    kind: str
    title: str
    metrics: tuple[str, ...] = ()
    dimension: str | None = None  # movers and top: what the rows are
    rank_by: str | None = None  # movers: the metric whose change ranks; top: the metric that orders
    limit: int = 5  # movers and top: how many rows the PDF shows (the CSV and XLSX have them all)


@dataclass(frozen=True)
class ReportTemplate:
    key: str
    title: str
    scope: str  # ReportScope: which definitions may use it (a tenant's, or the platform's)
    description: str
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


TENANT_EXECUTIVE = ReportTemplate(
    key="tenant_executive",
    title="Executive report",
    scope=ReportScope.TENANT,
    description="A guild's handle, results and cappers against the previous period, with what to look at.",
    sections=(
        Section(
            "summary",
            KPIS,
            "Executive summary",
            (
                "bets_placed",
                "stake_units",
                "units_net",
                "roi",
                "win_rate",
                "active_cappers",
                "parlay_share",
                "pending_bets",
            ),
        ),
        Section(
            "league_movers",
            MOVERS,
            "League movers",
            ("units_net", "stake_units"),
            dimension="league",
            rank_by="units_net",
        ),
        Section(
            "capper_movers",
            MOVERS,
            "Capper movers",
            ("units_net", "stake_units"),
            dimension="capper",
            rank_by="units_net",
        ),
        Section("handle_trend", TREND, "Handle and net units per day", ("stake_units", "units_net")),
        Section("bets_trend", TREND, "Bets placed per day", ("bets_placed",)),
        Section(
            "top_cappers",
            TOP,
            "Top cappers by net units",
            ("units_net", "stake_units", "roi", "win_rate", "bets_placed"),
            dimension="capper",
            rank_by="units_net",
            limit=10,
        ),
        Section(
            "top_leagues",
            TOP,
            "Leagues by handle",
            ("stake_units", "bets_placed", "units_net", "roi"),
            dimension="league",
            rank_by="stake_units",
            limit=10,
        ),
        Section("recommendations", RECOMMENDATIONS, "Recommendations"),
    ),
)

PLATFORM_BUSINESS = ReportTemplate(
    key="platform_business",
    title="Platform business report",
    scope=ReportScope.PLATFORM,
    description="Every tenant's handle and results, the tenants and leagues that moved, fraud and security load.",
    sections=(
        Section(
            "summary",
            KPIS,
            "Executive summary",
            (
                "bets_placed",
                "stake_units",
                "units_net",
                "roi",
                "active_cappers",
                "parlay_share",
                "fraud_cases_opened",
                "security_alerts_opened",
            ),
        ),
        Section(
            "tenant_movers",
            MOVERS,
            "Tenant movers",
            ("stake_units", "bets_placed"),
            dimension="tenant",
            rank_by="stake_units",
        ),
        Section(
            "league_movers",
            MOVERS,
            "League movers",
            ("stake_units", "units_net"),
            dimension="league",
            rank_by="stake_units",
        ),
        Section("handle_trend", TREND, "Handle and net units per day", ("stake_units", "units_net")),
        Section("bets_trend", TREND, "Bets placed per day", ("bets_placed",)),
        Section(
            "top_tenants",
            TOP,
            "Top tenants by handle",
            ("stake_units", "bets_placed", "units_net", "roi", "active_cappers"),
            dimension="tenant",
            rank_by="stake_units",
            limit=10,
        ),
        Section(
            "markets",
            TOP,
            "Markets by handle",
            ("stake_units", "bets_placed", "units_net", "roi"),
            dimension="market",
            rank_by="stake_units",
            limit=10,
        ),
        Section("recommendations", RECOMMENDATIONS, "Recommendations"),
    ),
)

REPORT_TEMPLATES: dict[str, ReportTemplate] = {
    template.key: template for template in (TENANT_EXECUTIVE, PLATFORM_BUSINESS)
}
TEMPLATE_CHOICES = [(template.key, template.title) for template in REPORT_TEMPLATES.values()]


def templates_for(scope: str) -> list[ReportTemplate]:
    """The templates a definition of this scope may use."""
    return [template for template in REPORT_TEMPLATES.values() if template.scope == scope]
