"""A query result read as chart parts: the dimension columns, the time column, the measured columns.

Pure: no ORM. Measures describe value columns (label, unit, d3 format); for a metric query they come from
the registry (metrics.py), for a panel from its columns (panels.py).
"""

import re
from dataclasses import dataclass, field

from apps.analytics.metrics import GRAINS, METRICS, Metric

PALETTE = ["#2f5fa7", "#d9480f", "#1b7f3b", "#7048e8", "#b26a00", "#0b7285", "#c2255c", "#5f6b7a", "#e67700", "#364fc7"]
NONE_LABEL = "(none)"


class ChartError(ValueError):
    """The result cannot be drawn as this chart type (the widget shows the message in its box)."""


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str
    format: str  # d3-format, as plotly reads it
    additive: bool = True  # a sum: rows may be added up (a KPI over a grouped result)
    higher_is_better: bool | None = None

    @classmethod
    def of_metric(cls, metric: Metric) -> "Measure":
        return cls(
            metric.name, metric.label, metric.unit, metric.format, metric.aggregation == "sum", metric.higher_is_better
        )


@dataclass
class Frame:
    dimensions: list[str]
    time: str | None
    measures: list[Measure]
    rows: list[list]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, columns: list[str], rows: list[list], labels: dict, measures: list[Measure] | None) -> "Frame":
        if measures is None:
            measures = [Measure.of_metric(METRICS[name]) for name in columns if name in METRICS]
        measured = {measure.name for measure in measures}
        time = next((name for name in columns if name in GRAINS and name not in measured), None)
        dimensions = [name for name in columns if name not in measured and name != time]
        return cls(dimensions, time, measures, rows, labels or {}, list(columns))

    def get(self, row: list, name: str):
        return row[self.columns.index(name)]

    def label(self, dimension: str, value) -> str:
        if value is None or value == "":
            return NONE_LABEL
        return self.labels.get(dimension, {}).get(str(value)) or str(value)

    def series_key(self, row: list, dimensions: list[str] | None = None) -> tuple:
        return tuple(self.get(row, name) for name in (self.dimensions if dimensions is None else dimensions))

    def series_name(self, key: tuple, dimensions: list[str] | None = None) -> str:
        names = self.dimensions if dimensions is None else dimensions
        names = [self.label(name, value) for name, value in zip(names, key, strict=True)]
        return " · ".join(names)

    def point(self, row: list) -> dict:
        """What a click on this point drills into: its time bucket and dimension values."""
        filters = {name: "" if self.get(row, name) is None else str(self.get(row, name)) for name in self.dimensions}
        return {"bucket": self.get(row, self.time) if self.time else None, "filters": filters}


_D3 = re.compile(r"^(?P<sign>[+\-( ])?(?P<comma>,)?(?:\.(?P<precision>\d+))?(?P<kind>[%f])?$")


def format_number(value, d3_format: str) -> str:
    """A value as the d3 format shows it (the subset the registry uses: sign, thousands, precision, f and %)."""
    if value is None:
        return "–"
    if not isinstance(value, int | float) or isinstance(value, bool):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    match = _D3.match(d3_format or "")
    if not match:
        return str(value)
    precision = int(match["precision"]) if match["precision"] is not None else 0
    number = value * 100 if match["kind"] == "%" else value
    sign = "+" if match["sign"] == "+" else ""
    text = f"{number:{sign}{',' if match['comma'] else ''}.{precision}f}"
    return text.replace("-", "−") + ("%" if match["kind"] == "%" else "")


def hover_format(measure: Measure) -> str:
    """The plotly hover template's format (d3; plotly adds no sign for '+' on hover, which is fine)."""
    return measure.format or ""


def axis_for(measure: Measure) -> dict:
    axis = {"automargin": True, "tickformat": measure.format.lstrip("+") if measure.format else None}
    if measure.unit in ("ratio",):
        axis["rangemode"] = "tozero"
    if measure.unit == "score":
        axis["range"] = [0, 100]
    return {key: value for key, value in axis.items() if value is not None}
