"""Charts over time or over a dimension: line, area, bar, scatter, heatmap (pure: frame -> plotly traces)."""

from collections import defaultdict

from django.utils.translation import gettext

from apps.analytics.charts.frame import PALETTE, ChartError, Frame, Measure, axis_for, hover_format

BAND_80 = "rgba(47, 95, 167, 0.28)"
BAND_95 = "rgba(47, 95, 167, 0.14)"


def _grouped(frame: Frame, dimensions: list[str] | None = None) -> dict[tuple, list[list]]:
    series: dict[tuple, list[list]] = defaultdict(list)
    for row in frame.rows:
        series[frame.series_key(row, dimensions)].append(row)
    return dict(series)


def _axes(frame: Frame) -> tuple[dict[str, str], dict]:
    """Measures with a second unit go on a right-hand axis (units and ratios never share a scale)."""
    units = list(dict.fromkeys(measure.unit for measure in frame.measures))
    axis_of = {measure.name: ("y" if measure.unit == units[0] else "y2") for measure in frame.measures}
    first = next(m for m in frame.measures if axis_of[m.name] == "y")
    layout = {"yaxis": axis_for(first)}
    if len(units) > 1:
        second = next(m for m in frame.measures if axis_of[m.name] == "y2")
        layout["yaxis2"] = {**axis_for(second), "overlaying": "y", "side": "right", "showgrid": False}
    return axis_of, layout


def _trace_name(frame: Frame, key: tuple, measure: Measure, dimensions: list[str] | None = None) -> str:
    name = frame.series_name(key, dimensions)
    if len(frame.measures) > 1 or not name:
        return f"{name} — {measure.label}" if name else measure.label
    return name


def time_traces(frame: Frame, chart_type: str, options: dict) -> tuple[list[dict], dict]:
    """line, area, and bar over time: one trace per series (dimension values) and measure."""
    axis_of, layout = _axes(frame)
    traces = []
    stacked = bool(options.get("stacked")) or (chart_type == "area" and bool(frame.dimensions))
    for index, (key, rows) in enumerate(_grouped(frame).items()):
        for position, measure in enumerate(frame.measures):
            colour = PALETTE[(index * len(frame.measures) + position) % len(PALETTE)]
            trace = {
                "x": [frame.get(row, frame.time) for row in rows],
                "y": [frame.get(row, measure.name) for row in rows],
                "name": _trace_name(frame, key, measure),
                "customdata": [frame.point(row) for row in rows],
                "hovertemplate": f"%{{x}}<br>{measure.label}: %{{y:{hover_format(measure)}}}"
                "<extra>%{fullData.name}</extra>",
                "yaxis": axis_of[measure.name],
            }
            if chart_type == "bar":
                trace.update(type="bar", marker={"color": colour})
            else:
                mode = "lines+markers" if len(rows) < 40 else "lines"
                trace.update(type="scatter", mode=mode, line={"color": colour})
                trace["connectgaps"] = False
                if chart_type == "area":
                    trace.update(stackgroup="one" if stacked else None, fill=None if stacked else "tozeroy")
                    trace = {k: v for k, v in trace.items() if v is not None}
            traces.append(trace)
    if chart_type == "bar":
        layout["barmode"] = "stack" if stacked else "group"
    layout["xaxis"] = {"automargin": True, "type": "date"}
    return traces, layout


def forecast_traces(forecast: dict | None, measure: Measure) -> list[dict]:
    """The FORECASTS part's points drawn as 95% and 80% bands around a dashed forecast line."""
    points = (forecast or {}).get("points") or []
    if not points:
        return []
    x = [point["t"] for point in points]

    def band(lower: str, upper: str, colour: str, name: str) -> list[dict]:
        return [
            {"type": "scatter", "x": x, "y": [p.get(upper) for p in points], "mode": "lines",
             "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip", "name": f"{name} upper"},
            {"type": "scatter", "x": x, "y": [p.get(lower) for p in points], "mode": "lines",
             "line": {"width": 0}, "fill": "tonexty", "fillcolor": colour, "name": name, "hoverinfo": "skip"},
        ]  # fmt: skip

    return [
        *band("lower_95", "upper_95", BAND_95, "95% interval"),
        *band("lower_80", "upper_80", BAND_80, "80% interval"),
        {
            "type": "scatter",
            "x": x,
            "y": [point.get("yhat") for point in points],
            "mode": "lines",
            "name": "forecast",
            "line": {"dash": "dash", "color": PALETTE[0]},
            "hovertemplate": f"%{{x}}<br>forecast: %{{y:{hover_format(measure)}}}<extra></extra>",
        },
    ]


def category_bars(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    """Bars over the first dimension (top N by the first measure); a second dimension splits them."""
    first, rest = frame.dimensions[0], frame.dimensions[1:2]
    measure = frame.measures[0]
    totals: dict = defaultdict(float)
    for row in frame.rows:
        totals[frame.get(row, first)] += frame.get(row, measure.name) or 0
    order = sorted(totals, key=lambda value: -totals[value])[: int(options.get("top") or 20)]
    horizontal = bool(options.get("horizontal"))
    traces = []
    groups = _grouped(frame, rest) if rest else {(): frame.rows}
    measures = frame.measures if not rest else [measure]
    for index, (key, rows) in enumerate(groups.items()):
        by_value = {frame.get(row, first): row for row in rows}
        for position, each in enumerate(measures):
            kept = [by_value[value] for value in order if value in by_value]
            categories = [frame.label(first, frame.get(row, first)) for row in kept]
            values = [frame.get(row, each.name) for row in kept]
            traces.append(
                {
                    "type": "bar",
                    "orientation": "h" if horizontal else "v",
                    "x": values if horizontal else categories,
                    "y": categories if horizontal else values,
                    "name": _trace_name(frame, key, each, rest) if rest else each.label,
                    "marker": {"color": PALETTE[(index + position) % len(PALETTE)]},
                    "customdata": [frame.point(row) for row in kept],
                    "hovertemplate": f"%{{{'y' if horizontal else 'x'}}}: %{{{'x' if horizontal else 'y'}:"
                    f"{hover_format(each)}}}<extra>%{{fullData.name}}</extra>",
                }
            )
    value_axis = axis_for(measure)
    category_axis = {"automargin": True, "type": "category"}
    if horizontal:
        category_axis["autorange"] = "reversed"
    layout = {
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
        "barmode": "stack" if options.get("stacked") else "group",
    }
    return traces, layout


def scatter(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    """Two measures: one point per row (x the first, y the second); one measure: markers over time."""
    if len(frame.measures) < 2:
        traces, layout = time_traces(frame, "line", options)
        for trace in traces:
            trace["mode"] = "markers"
            trace["marker"] = {"size": 8, "color": trace.pop("line")["color"]}
        return traces, layout
    x_measure, y_measure = frame.measures[:2]
    traces = []
    for index, (key, rows) in enumerate(_grouped(frame, frame.dimensions[1:]).items()):
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [frame.get(row, x_measure.name) for row in rows],
                "y": [frame.get(row, y_measure.name) for row in rows],
                "text": [_point_text(frame, row) for row in rows],
                "name": frame.series_name(key, frame.dimensions[1:]) or f"{y_measure.label} by {x_measure.label}",
                "marker": {"size": 10, "color": PALETTE[index % len(PALETTE)], "opacity": 0.8},
                "customdata": [frame.point(row) for row in rows],
                "hovertemplate": f"%{{text}}<br>{x_measure.label}: %{{x:{hover_format(x_measure)}}}<br>"
                f"{y_measure.label}: %{{y:{hover_format(y_measure)}}}<extra></extra>",
            }
        )
    layout = {
        "xaxis": {**axis_for(x_measure), "title": {"text": x_measure.label}},
        "yaxis": {**axis_for(y_measure), "title": {"text": y_measure.label}},
    }
    return traces, layout


def _point_text(frame: Frame, row: list) -> str:
    parts = [frame.label(name, frame.get(row, name)) for name in frame.dimensions]
    if frame.time:
        parts.append(str(frame.get(row, frame.time)))
    return " · ".join(parts) or "all"


def _heat_cell(frame: Frame, row: list) -> tuple[str, str]:
    """(x, y) of a row: (time or second dimension, first dimension); hourly without one: (day, hour of day)."""
    if not frame.dimensions:
        bucket = frame.get(row, "hour")
        return bucket[:10], bucket[11:13] + ":00"
    y = frame.label(frame.dimensions[0], frame.get(row, frame.dimensions[0]))
    if frame.time:
        return frame.get(row, frame.time), y
    return frame.label(frame.dimensions[1], frame.get(row, frame.dimensions[1])), y


def heatmap(frame: Frame, options: dict) -> tuple[list[dict], dict]:
    """The first measure over (first dimension × time or the second dimension); hours: day × hour of day."""
    measure = frame.measures[0]
    if not frame.dimensions and frame.time != "hour":
        raise ChartError(gettext("A heatmap needs a group_by dimension, or hourly figures (day × hour of day)."))
    cells = [(*_heat_cell(frame, row), row) for row in frame.rows]
    xs = list(dict.fromkeys(x for x, _, _ in cells))
    ys = list(dict.fromkeys(y for _, y, _ in cells))
    if not frame.dimensions:
        ys.sort()
    z = [[None] * len(xs) for _ in ys]
    custom = [[None] * len(xs) for _ in ys]
    for x, y, row in cells:
        i, j = ys.index(y), xs.index(x)
        z[i][j] = frame.get(row, measure.name)
        custom[i][j] = frame.point(row)
    trace = {
        "type": "heatmap",
        "x": xs,
        "y": ys,
        "z": z,
        "customdata": custom,
        "colorscale": [[0, "#f3f6fb"], [1, "#2f5fa7" if measure.higher_is_better is not False else "#b42318"]],
        "colorbar": {"tickformat": measure.format.lstrip("+"), "thickness": 12},
        "hovertemplate": f"%{{y}} · %{{x}}<br>{measure.label}: %{{z:{hover_format(measure)}}}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    over_time = frame.time is not None
    layout = {
        "xaxis": {"automargin": True, "type": "date" if over_time else "category"},
        "yaxis": {"automargin": True, "type": "category"},
    }
    return [trace], layout
