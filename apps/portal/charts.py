"""The portal pages' charts: rows -> plotly.js figures (pure functions, no ORM inside). The dashboard widgets'
charts are in the apps that register them (apps/<app>/charts.py); their shared look is apps/core/charts.py.
"""

from collections.abc import Sequence

from apps.core.charts import chart_layout


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
