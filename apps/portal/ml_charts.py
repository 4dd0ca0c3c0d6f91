"""The model registry's charts (issue #16): report rows -> plotly.js figures (pure functions, no ORM inside)."""

from collections.abc import Sequence

from apps.core.charts import chart_layout

MODEL_COLOUR = "#2f5fa7"
BASELINE_COLOUR = "#8a94a6"


def calibration_figure(
    model: Sequence[Sequence[float]], baseline: Sequence[Sequence[float]], baseline_name: str
) -> dict:
    """Mean predicted probability across, observed rate up, marker size by rows; the diagonal is perfect."""

    def trace(points, name: str, colour: str) -> dict:
        return {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": [point[0] for point in points],
            "y": [point[1] for point in points],
            "text": [f"{int(point[2])} rows" for point in points],
            "line": {"color": colour},
            "hovertemplate": "predicted %{x:.3f}, observed %{y:.3f} (%{text})<extra>" + name + "</extra>",
        }

    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "perfect",
                "x": [0, 1],
                "y": [0, 1],
                "line": {"color": "#cccccc", "dash": "dot"},
                "hoverinfo": "skip",
            },
            trace(model, "model", MODEL_COLOUR),
            trace(baseline, baseline_name or "baseline", BASELINE_COLOUR),
        ],  # fmt: skip
        "layout": chart_layout(
            height=320,
            xaxis={"title": {"text": "mean predicted probability"}, "range": [0, 1]},
            yaxis={"title": {"text": "observed rate"}, "range": [0, 1], "automargin": True},
            legend={"orientation": "h"},
        ),
    }


def feature_importance_figure(importance: Sequence[Sequence]) -> dict:
    """Horizontal bars, the most important feature on top."""
    ordered = sorted(importance, key=lambda item: float(item[1]))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [float(value) for _, value in ordered],
                "y": [str(name) for name, _ in ordered],
                "marker": {"color": MODEL_COLOUR},
                "hovertemplate": "%{y}: %{x:.4f}<extra></extra>",
            }
        ],
        "layout": chart_layout(height=max(160, 28 * len(ordered) + 60), yaxis={"automargin": True}),
    }
