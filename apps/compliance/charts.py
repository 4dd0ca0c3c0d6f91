"""Compliance charts: rows -> plotly.js figures (pure functions, no ORM inside; look in apps/core/charts.py)."""

from collections.abc import Sequence

from apps.core.charts import FAIL_COLOUR, NONE_COLOUR, PASS_COLOUR, WARN_COLOUR, chart_layout


def score_colour(score: float | None) -> str:
    if score is None:
        return NONE_COLOUR
    if score >= 90:
        return PASS_COLOUR
    if score >= 70:
        return WARN_COLOUR
    return FAIL_COLOUR


def framework_scores_figure(rows: Sequence[dict]) -> dict:
    """Horizontal bars, one per framework, 0-100; a framework with no automated evidence shows as 0 in grey."""
    rows = list(reversed(rows))  # plotly draws the first bar at the bottom
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [row["name"] for row in rows],
                "x": [row["score"] if row["score"] is not None else 0 for row in rows],
                "text": [f"{row['score']:.0f}%" if row["score"] is not None else "manual" for row in rows],
                "textposition": "auto",
                "marker": {"color": [score_colour(row["score"]) for row in rows]},
                "hovertemplate": "%{y}: %{text}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            xaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True},
            yaxis={"automargin": True, "fixedrange": True},
            height=max(160, 28 * len(rows) + 50),
        ),
    }
