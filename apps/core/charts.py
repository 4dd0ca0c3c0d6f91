"""Plotly.js figures are {"data", "layout"} dicts, JSON-ready, built by pure functions (no ORM inside) in each
app's charts.py; this is their shared look. The browser draws them with the plotly.js served from
static/vendor/ (no CDN). Every chart also has a table beside it in the page, so the numbers are readable
without JavaScript and by screen readers.
"""

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12, "color": "#1f2933"}
PASS_COLOUR, WARN_COLOUR, FAIL_COLOUR, NONE_COLOUR = "#1b7f3b", "#b26a00", "#b42318", "#8a94a6"


def chart_layout(**extra) -> dict:
    """The layout every portal chart shares (font, margins, transparent background), plus `extra`."""
    return {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "autosize": True,
        **extra,
    }
