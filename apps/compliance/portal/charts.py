"""Pure functions: rows -> plotly.js figures ({"data", "layout"} dicts, JSON-ready; no ORM inside).

The browser draws them with the plotly.js served from static/vendor/ (no CDN). Every chart also has a
table beside it in the page, so the numbers are readable without JavaScript and by screen readers.
"""

from collections.abc import Sequence

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#1f2933"}
PASS_COLOUR, WARN_COLOUR, FAIL_COLOUR, NONE_COLOUR = "#1b7f3b", "#b26a00", "#b42318", "#8a94a6"


def _layout(**extra) -> dict:
    return {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "autosize": True,
        **extra,
    }


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
        "layout": _layout(
            xaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True},
            yaxis={"automargin": True, "fixedrange": True},
            height=max(160, 28 * len(rows) + 50),
        ),
    }


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
        "layout": _layout(
            height=180,
            xaxis={"type": "category", "tickangle": 0, "nticks": 8, "fixedrange": True},
            yaxis={"rangemode": "tozero", "fixedrange": True, "automargin": True},
        ),
    }


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
        "layout": _layout(
            height=200, yaxis={"range": [0, 100], "ticksuffix": "%", "fixedrange": True, "automargin": True}
        ),
    }
