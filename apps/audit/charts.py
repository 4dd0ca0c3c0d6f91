"""Audit charts: rows -> plotly.js figures (pure functions, no ORM inside; look in apps/core/charts.py)."""

from collections.abc import Sequence

from apps.core.charts import chart_layout


def audit_activity_figure(hours: Sequence[str], counts: Sequence[int]) -> dict:
    """Audit events per hour over the last hours, as columns."""
    return {
        "data": [
            {
                "type": "bar",
                "x": list(hours),
                "y": list(counts),
                "marker": {"color": "#2f5fa7"},
                "hovertemplate": "%{x}: %{y} events<extra></extra>",
            }
        ],
        "layout": chart_layout(
            height=180,
            xaxis={"type": "category", "tickangle": 0, "nticks": 8, "fixedrange": True},
            yaxis={"rangemode": "tozero", "fixedrange": True, "automargin": True},
        ),
    }
