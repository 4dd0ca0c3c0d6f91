"""The registry's chart: a check's results over time (pure function: rows in, a plotly.js figure out)."""

from collections.abc import Sequence

from apps.core.charts import FAIL_COLOUR, PASS_COLOUR, WARN_COLOUR, chart_layout

STATUS_COLOURS = {"passing": PASS_COLOUR, "warning": WARN_COLOUR, "critical": FAIL_COLOUR}
STATUS_LEVELS = {"passing": 0, "warning": 1, "critical": 2}


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
                "y": [STATUS_LEVELS[result.status] for result in ordered],
                "line": {"shape": "hv", "color": "#8a94a6", "width": 1},
                "marker": {"color": [STATUS_COLOURS[result.status] for result in ordered], "size": 7},
                "text": [f"{result.duration_ms} ms · {result.output}" for result in ordered],
                "hovertemplate": "%{x}<br>%{text}<extra></extra>",
            }
        ],
        "layout": chart_layout(
            height=200,
            yaxis={
                "tickvals": list(STATUS_LEVELS.values()),
                "ticktext": list(STATUS_LEVELS),
                "range": [-0.5, 2.5],
                "fixedrange": True,
                "automargin": True,
            },
        ),
    }
