"""What a built report holds, independent of its file format: per section the figures to show and the rows
behind them (the CSV block and the XLSX sheet of the section)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from apps.analytics.metrics import METRICS
from apps.analytics.reports.templates import ReportTemplate, Section

NONE_TEXT = "—"


def format_value(metric: str, value: Any) -> str:
    """A metric's value the way the registry formats it (its d3 format is also a Python format spec)."""
    if value is None:
        return NONE_TEXT
    try:
        return format(value, METRICS[metric].format)
    except (KeyError, ValueError, TypeError):
        return str(value)


def format_change(metric: str, change: float | None) -> str:
    """A change between two periods: ratios in percentage points, everything else in the metric's unit."""
    if change is None:
        return NONE_TEXT
    definition = METRICS[metric]
    if definition.unit == "ratio":
        return f"{change * 100:+.1f} pts"
    signed = definition.format if definition.format.startswith("+") else f"+{definition.format}"
    try:
        return format(change, signed)
    except (ValueError, TypeError):
        return str(change)


def change_of(current: float | None, previous: float | None) -> float | None:
    """current − previous; a missing side (a ratio with nothing to divide) is no change to report."""
    if current is None or previous is None:
        return None
    return current - previous


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / previous; None when the previous value is missing or zero."""
    if current is None or not previous:
        return None
    return (current - previous) / abs(previous)


@dataclass(frozen=True)
class Kpi:
    metric: str
    label: str
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        return change_of(self.current, self.previous)

    @property
    def relative(self) -> float | None:
        return relative_change(self.current, self.previous)


@dataclass(frozen=True)
class Mover:
    key: Any
    label: str
    current: float
    previous: float

    @property
    def change(self) -> float:
        return self.current - self.previous


@dataclass(frozen=True)
class Recommendation:
    rule: str
    text: str


@dataclass
class SectionContent:
    """One section: `columns`/`rows` are the rows behind it (CSV, XLSX); the rest is what the PDF draws."""

    section: Section
    columns: list[str]
    rows: list[list[Any]]
    kpis: list[Kpi] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)  # the PDF's top movers (non-zero changes only)
    series: dict[str, list[float | None]] = field(default_factory=dict)  # trend: metric -> values per bucket
    buckets: list[str] = field(default_factory=list)  # trend: the x axis
    table_columns: list[str] = field(default_factory=list)  # top: what the PDF's table shows
    table_rows: list[list[str]] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title


@dataclass
class ReportContent:
    template: ReportTemplate
    scope_label: str  # the tenant's name, or "the platform"
    start: date
    end: date
    previous_start: date
    previous_end: date
    sections: list[SectionContent] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.template.title}: {self.scope_label}"

    @property
    def period_text(self) -> str:
        return (
            f"{self.start.isoformat()} to {self.end.isoformat()}, compared with "
            f"{self.previous_start.isoformat()} to {self.previous_end.isoformat()}"
        )

    @property
    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)

    def section(self, key: str) -> SectionContent:
        return next(section for section in self.sections if section.key == key)

    @property
    def kpis(self) -> dict[str, Kpi]:
        return {kpi.metric: kpi for section in self.sections for kpi in section.kpis}

    @property
    def summary(self) -> str:
        """The first KPIs in one line (the portal's list of runs)."""
        parts = [f"{kpi.label}: {format_value(kpi.metric, kpi.current)}" for kpi in list(self.kpis.values())[:4]]
        return "; ".join(parts)[:300]
