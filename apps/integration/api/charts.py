"""The API usage chart of the portal page: a pure function from the per-day totals to a plotly figure."""

from collections.abc import Sequence

from apps.core.charts import FAIL_COLOUR, chart_layout


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
