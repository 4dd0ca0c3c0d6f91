"""Plotly figures of experiments and bandits: pure functions over selector rows (no ORM inside)."""

from itertools import accumulate

import numpy as np
from scipy import stats as scipy_stats

from apps.core.charts import chart_layout

PALETTE = ["#1f6feb", "#b26a00", "#1b7f3b", "#b42318", "#6e40c9", "#8a94a6"]


def cumulative_exposures_figure(rows: list[dict], variants: list[str]) -> dict | None:
    """Cumulative exposures per variant over hours (rows: hour, variant, n)."""
    if not rows:
        return None
    hours = sorted({row["hour"] for row in rows})
    counts = {(row["hour"], row["variant"]): row["n"] for row in rows}
    data = [
        {
            "type": "scatter", "mode": "lines+markers", "name": variant,
            "x": [hour.isoformat() for hour in hours],
            "y": list(accumulate(counts.get((hour, variant), 0) for hour in hours)),
            "line": {"color": PALETTE[index % len(PALETTE)]},
        }
        for index, variant in enumerate(variants)
    ]  # fmt: skip
    return {"data": data, "layout": chart_layout(yaxis={"title": "exposures", "rangemode": "tozero"})}


def effect_figure(effects: list[dict]) -> dict | None:
    """Each treatment's difference from control with its 95% interval, and the zero line."""
    shown = [row for row in effects if row["difference"] is not None]
    if not shown:
        return None
    data = [{
        "type": "scatter", "mode": "markers", "name": "difference (95% interval)",
        "y": [row["variant"] for row in shown], "x": [row["difference"] for row in shown],
        "error_x": {"type": "data", "symmetric": False,
                    "array": [row["high"] - row["difference"] for row in shown],
                    "arrayminus": [row["difference"] - row["low"] for row in shown]},
        "marker": {"size": 10, "color": PALETTE[0]},
    }]  # fmt: skip
    layout = chart_layout(
        height=120 + 40 * len(shown),
        xaxis={"title": "variant − control", "zeroline": True, "zerolinewidth": 2},
        yaxis={"type": "category"},
    )
    return {"data": data, "layout": layout}


def posterior_figure(posteriors: list[dict]) -> dict | None:
    """Each arm's Beta posterior density."""
    if not posteriors:
        return None
    grid = np.linspace(0.0005, 0.9995, 200)
    data = [
        {
            "type": "scatter", "mode": "lines", "name": f"{row['alias']} (mean {row['mean']:.3f})",
            "x": grid.round(4).tolist(), "y": scipy_stats.beta.pdf(grid, row["alpha"], row["beta"]).round(4).tolist(),
            "fill": "tozeroy", "line": {"color": PALETTE[index % len(PALETTE)]},
        }
        for index, row in enumerate(posteriors)
    ]  # fmt: skip
    return {"data": data, "layout": chart_layout(xaxis={"title": "reward rate"}, yaxis={"title": "density"})}


def allocation_figure(rows: list[dict]) -> dict | None:
    """Calls per hour and arm, stacked (rows: hour, arm_alias, calls)."""
    if not rows:
        return None
    aliases = sorted({row["arm_alias"] for row in rows})
    hours = sorted({row["hour"] for row in rows})
    calls = {(row["hour"], row["arm_alias"]): row["calls"] for row in rows}
    data = [
        {"type": "bar", "name": alias, "x": [hour.isoformat() for hour in hours],
         "y": [calls.get((hour, alias), 0) for hour in hours], "marker": {"color": PALETTE[index % len(PALETTE)]}}
        for index, alias in enumerate(aliases)
    ]  # fmt: skip
    return {"data": data, "layout": chart_layout(barmode="stack", yaxis={"title": "calls"})}


def regret_figure(result: dict | None) -> dict | None:
    """Mean cumulative regret per step of Thompson sampling and of fixed 50/50 (a simulation's result)."""
    if not result:
        return None
    curve = result["curve"]
    data = [
        {"type": "scatter", "mode": "lines", "name": "Thompson sampling", "x": curve["step"], "y": curve["thompson"],
         "line": {"color": PALETTE[0]}},
        {"type": "scatter", "mode": "lines", "name": "fixed 50/50", "x": curve["step"], "y": curve["fixed_50_50"],
         "line": {"color": PALETTE[3]}},
    ]  # fmt: skip
    return {"data": data, "layout": chart_layout(xaxis={"title": "step"}, yaxis={"title": "cumulative regret"})}
