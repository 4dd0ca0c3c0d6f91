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


def _history_traces(rows: Sequence[dict], names: dict[str, str], value: str, trace: dict) -> list[dict]:
    """One trace per framework; every point carries what a click drills into: {"framework", "day"}."""
    by_framework: dict[str, list[dict]] = {}
    for row in rows:
        by_framework.setdefault(row["framework_id"], []).append(row)
    return [
        {
            **trace,
            "name": names.get(framework_id, framework_id),
            "x": [row["day"].isoformat() for row in points],
            "y": [row[value] for row in points],
            "customdata": [{"framework": framework_id, "day": row["day"].isoformat()} for row in points],
        }
        for framework_id, points in by_framework.items()
    ]


def score_history_figure(rows: Sequence[dict], names: dict[str, str]) -> dict:
    """Lines of each framework's daily score (0-100) over the range."""
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "hovertemplate": "%{x}: %{y:.0f}%<extra>%{fullData.name}</extra>",
    }
    return {
        "data": _history_traces(rows, names, "score", trace),
        "layout": chart_layout(
            yaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True},
            xaxis={"type": "date", "fixedrange": True},
            height=240,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def failing_history_figure(rows: Sequence[dict], names: dict[str, str]) -> dict:
    """Bars of the checks that failed each day, stacked by framework (a click lists that day's failing runs)."""
    trace = {"type": "bar", "hovertemplate": "%{x}: %{y} failing<extra>%{fullData.name}</extra>"}
    return {
        "data": _history_traces(rows, names, "checks", trace),
        "layout": chart_layout(
            barmode="stack",
            yaxis={"rangemode": "tozero", "fixedrange": True, "dtick": 1},
            xaxis={"type": "date", "fixedrange": True},
            height=240,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
        ),
    }
