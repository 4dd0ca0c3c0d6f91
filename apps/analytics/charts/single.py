"""Charts of one number or one breakdown: KPI, gauge, pie, funnel, table (pure: frame -> plotly traces)."""

from collections import defaultdict

from django.utils.translation import gettext

from apps.analytics.charts.frame import PALETTE, ChartError, Frame, Measure, format_number, hover_format

GOOD, BAD, NEUTRAL = "#1b7f3b", "#b42318", "#5f6b7a"


def total(frame: Frame, measure: Measure):
    """The one number of a KPI or gauge: the single row's value, or the sum of an additive measure's rows."""
    values = [frame.get(row, measure.name) for row in frame.rows]
    if len(values) == 1:
        return values[0]
    if not values:
        return 0 if measure.additive else None
    if not measure.additive:
        raise ChartError(
            gettext("%(label)s is not a sum: a KPI of it needs one row (grain none, no group_by).")
            % {"label": measure.label}
        )
    present = [value for value in values if value is not None]
    return sum(present) if present else None


def change(value, previous) -> dict:
    """The change against the previous period: absolute, and relative when the previous value is not 0."""
    if value is None or previous is None:
        return {"absolute": None, "relative": None}
    relative = (value - previous) / abs(previous) if previous else None
    return {"absolute": value - previous, "relative": relative}


def _colours(measure: Measure) -> tuple[str, str]:
    """(increasing, decreasing) colours: a rise is good when higher is better, bad when it is not."""
    if measure.higher_is_better is None:
        return NEUTRAL, NEUTRAL
    return (GOOD, BAD) if measure.higher_is_better else (BAD, GOOD)


def kpi(frame: Frame, previous: Frame | None, options: dict) -> tuple[list[dict], dict]:
    measure = frame.measures[0]
    value = total(frame, measure)
    trace = {
        "type": "indicator",
        "mode": "number",
        "value": value,
        "number": {"valueformat": measure.format, "font": {"size": 40}},
        "title": {"text": measure.label, "font": {"size": 13}},
        "domain": {"x": [0, 1], "y": [0, 1]},
    }
    if previous is not None:
        before = total(previous, measure)
        up, down = _colours(measure)
        if before is not None and value is not None:
            moved = change(value, before)
            relative = f" ({format_number(moved['relative'], '+.1%')})" if moved["relative"] is not None else ""
            trace["mode"] = "number+delta"
            trace["delta"] = {
                "reference": before,
                "valueformat": measure.format.lstrip("+"),
                "increasing": {"color": up},
                "decreasing": {"color": down},
                "position": "bottom",
            }
            trace["title"]["text"] = (
                f"{measure.label}<br><span style='font-size:11px;color:{NEUTRAL}'>previous period "
                f"{format_number(before, measure.format)}{relative}</span>"
            )
        else:
            trace["title"]["text"] = f"{measure.label}<br><span style='font-size:11px'>no previous figure</span>"
    return [trace], {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}}


def gauge(frame: Frame, previous: Frame | None, options: dict) -> tuple[list[dict], dict]:
    measure = frame.measures[0]
    value = total(frame, measure)
    if measure.unit == "ratio":
        top = 1
    elif measure.unit == "score":
        top = 100
    else:
        top = options.get("max") or max(abs(value or 0) * 1.25, 1)
    trace = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": value,
        "number": {"valueformat": measure.format},
        "title": {"text": measure.label, "font": {"size": 13}},
        "gauge": {
            "axis": {"range": [0, top], "tickformat": measure.format.lstrip("+")},
            "bar": {"color": PALETTE[0]},
            "bgcolor": "#eef1f5",
        },
        "domain": {"x": [0, 1], "y": [0, 1]},
    }
    if previous is not None and (before := total(previous, measure)) is not None:
        up, down = _colours(measure)
        trace["mode"] = "gauge+number+delta"
        trace["delta"] = {"reference": before, "increasing": {"color": up}, "decreasing": {"color": down}}
    return [trace], {"margin": {"l": 25, "r": 25, "t": 40, "b": 10}}


def _breakdown(frame: Frame, measure: Measure, top: int) -> list[tuple[str, float, dict]]:
    """(label, value, drill point) per value of the first dimension, largest first, the rest as "Other"."""
    dimension = frame.dimensions[0]
    totals: dict = defaultdict(float)
    points = {}
    for row in frame.rows:
        key = frame.get(row, dimension)
        totals[key] += frame.get(row, measure.name) or 0
        points[key] = {"bucket": None, "filters": {dimension: "" if key is None else str(key)}}
    ordered = sorted(totals, key=lambda key: -totals[key])
    kept = [(frame.label(dimension, key), totals[key], points[key]) for key in ordered[:top]]
    rest = sum(totals[key] for key in ordered[top:])
    if rest:
        kept.append(("Other", rest, None))
    return kept


def pie(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    measure = frame.measures[0]
    parts = [part for part in _breakdown(frame, measure, int(options.get("top") or 8)) if part[1] > 0]
    trace = {
        "type": "pie",
        "labels": [label for label, _, _ in parts],
        "values": [value for _, value, _ in parts],
        "customdata": [point for _, _, point in parts],
        "hole": 0.45 if options.get("donut", True) else 0,
        "sort": False,
        "marker": {"colors": PALETTE[: len(parts)]},
        "textinfo": "percent",
        "hovertemplate": f"%{{label}}: %{{value:{hover_format(measure)}}} (%{{percent}})<extra></extra>",
    }
    return [trace], {"showlegend": True, "legend": {"orientation": "v"}}


def funnel(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    """Stages: the values of the first dimension (largest first), or the measures of a one-row result."""
    if frame.dimensions:
        measure = frame.measures[0]
        parts = _breakdown(frame, measure, int(options.get("top") or 8))
        stages = [label for label, _, _ in parts]
        values = [value for _, value, _ in parts]
        points = [point for _, _, point in parts]
        template = f"%{{y}}: %{{x:{hover_format(measure)}}}<extra></extra>"
    else:
        row = frame.rows[0] if frame.rows else [None] * len(frame.columns)
        stages = [measure.label for measure in frame.measures]
        values = [frame.get(row, measure.name) for measure in frame.measures]
        points = [{"bucket": None, "filters": {}} for _ in frame.measures]
        template = "%{y}: %{x}<extra></extra>"
    trace = {
        "type": "funnel",
        "y": stages,
        "x": values,
        "customdata": points,
        "textinfo": "value+percent initial",
        "marker": {"color": PALETTE[: len(stages)]},
        "hovertemplate": template,
    }
    return [trace], {"yaxis": {"automargin": True}}


def table(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    """Every column: dimension names, the time bucket, measures in their own format."""
    measures = {measure.name: measure for measure in frame.measures}
    headers, cells, formats = [], [], []
    for name in frame.columns:
        index = frame.columns.index(name)
        if name in measures:
            headers.append(measures[name].label)
            cells.append([row[index] for row in frame.rows])
            formats.append(measures[name].format)
        else:
            headers.append(name.replace("_", " ").capitalize())
            values = [row[index] for row in frame.rows]
            cells.append(values if name == frame.time else [frame.label(name, value) for value in values])
            formats.append("")
    trace = {
        "type": "table",
        "header": {"values": headers, "fill": {"color": "#f0f3f7"}, "align": "left", "font": {"size": 12}},
        "cells": {"values": cells, "format": formats, "align": ["left"] * len(headers), "height": 24},
    }
    return [trace], {"margin": {"l": 0, "r": 0, "t": 0, "b": 0}}
