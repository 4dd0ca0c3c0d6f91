"""The portal pages' charts: rows -> plotly.js figures (pure functions, no ORM inside). The dashboard widgets'
charts are in the apps that register them (apps/<app>/charts.py); their shared look is apps/core/charts.py.
"""

from collections.abc import Sequence

from apps.core.charts import FAIL_COLOUR, PASS_COLOUR, WARN_COLOUR, chart_layout


def score_trend_figure(days: Sequence[str], scores: Sequence[float | None]) -> dict:
    """A framework's daily score (the drill-down page)."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": list(days),
                "y": list(scores),
                "line": {"color": "#2f5fa7"},
                "connectgaps": False,
                "hovertemplate": "%{x}: %{y:.0f}%<extra></extra>",
            }
        ],
        "layout": chart_layout(
            height=200, yaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True, "automargin": True}
        ),
    }


MEASURES = {
    "time_to_detect": "detect",
    "time_to_acknowledge": "acknowledge",
    "time_to_contain": "contain",
    "time_to_recover": "recover",
}
SEVERITY_COLOURS = {"low": "#8a94a6", "medium": "#b26a00", "high": "#d9480f", "critical": "#b42318"}


def incident_durations_figure(rows: Sequence[dict], statistic: str) -> dict:
    """Minutes to detect/acknowledge/contain/recover by severity (`statistic`: "mean" or "p90"); one bar group
    per measure, one bar per severity. `rows`: {"severity", "measure", "mean", "p90", "count"} in seconds."""
    severities = [s for s in SEVERITY_COLOURS if any(row["severity"] == s for row in rows)]
    data = []
    for severity in severities:
        values = {row["measure"]: row.get(statistic) for row in rows if row["severity"] == severity}
        data.append(
            {
                "type": "bar",
                "name": severity,
                "x": list(MEASURES.values()),
                "y": [None if values.get(m) is None else round(values[m] / 60, 1) for m in MEASURES],
                "marker": {"color": SEVERITY_COLOURS[severity]},
                "hovertemplate": f"{severity} %{{x}}: %{{y}} min<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": chart_layout(
            height=260,
            barmode="group",
            yaxis={"title": {"text": "minutes"}, "rangemode": "tozero", "automargin": True},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def open_by_level_figure(levels: Sequence[tuple[int, int]]) -> dict:
    """Open incidents by escalation level (0: nobody notified yet)."""
    return {
        "data": [
            {
                "type": "bar",
                "x": [f"level {level}" for level, _ in levels],
                "y": [count for _, count in levels],
                "marker": {"color": "#2f5fa7"},
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        "layout": chart_layout(height=220, yaxis={"rangemode": "tozero", "dtick": 1, "automargin": True}),
    }


# the service registry (apps/integration/registry): a check's runs over time
CHECK_STATUS_COLOURS = {"passing": PASS_COLOUR, "warning": WARN_COLOUR, "critical": FAIL_COLOUR}
CHECK_STATUS_LEVELS = {"passing": 0, "warning": 1, "critical": 2}


def check_timeline_figure(results: Sequence) -> dict:
    """One marker per run: time across, status up (passing, warning, critical), coloured by status; the
    hover shows the duration and output. `results`: objects with created_at, status, duration_ms, output."""
    ordered = sorted(results, key=lambda result: result.created_at)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [result.created_at.isoformat() for result in ordered],
                "y": [CHECK_STATUS_LEVELS[result.status] for result in ordered],
                "line": {"shape": "hv", "color": "#8a94a6", "width": 1},
                "marker": {"color": [CHECK_STATUS_COLOURS[result.status] for result in ordered], "size": 7},
                "text": [f"{result.duration_ms} ms · {result.output}" for result in ordered],
                "hovertemplate": "%{x}<br>%{text}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            height=200,
            yaxis={
                "tickvals": list(CHECK_STATUS_LEVELS.values()),
                "ticktext": list(CHECK_STATUS_LEVELS),
                "range": [-0.5, 2.5],
                "fixedrange": True,
                "automargin": True,
            },
        ),
    }


def usage_by_day_figure(days: Sequence[dict]) -> dict:
    """Requests and errors per day (bars) with the day's p95 latency (line, right axis)."""
    x = [str(row["day"]) for row in days]
    return {
        "data": [
            {
                "type": "bar",
                "name": "requests",
                "x": x,
                "y": [row["requests"] for row in days],
                "marker": {"color": "#2f5fa7"},
            },
            {
                "type": "bar",
                "name": "errors (4xx + 5xx)",
                "x": x,
                "y": [row["errors_4xx"] + row["errors_5xx"] for row in days],
                "marker": {"color": FAIL_COLOUR},
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "p95 latency (ms)",
                "x": x,
                "y": [row["p95_ms"] for row in days],
                "yaxis": "y2",
                "marker": {"color": "#1f2933"},
            },
        ],
        "layout": chart_layout(
            height=280,
            barmode="group",
            legend={"orientation": "h"},
            yaxis={"rangemode": "tozero", "automargin": True, "title": {"text": "requests"}},
            yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "title": {"text": "p95 ms"}},
        ),
    }
