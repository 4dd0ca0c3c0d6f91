"""Dashboard charts are pure functions: a query result, a chart type and options -> a plotly figure."""

import pytest

from apps.analytics.charts import CHART_TYPES, ChartError, chart_problem, figure, format_number
from apps.analytics.query import QueryResult

BY_LEAGUE_AND_DAY = QueryResult(
    columns=["league", "day", "units_net", "roi"],
    rows=[
        ["nba", "2026-11-01", 1.5, 0.1],
        ["nba", "2026-11-02", -1.0, None],
        ["nhl", "2026-11-01", 2.0, 0.2],
        ["nhl", "2026-11-02", 0.0, None],
    ],
    labels={"league": {"nba": "NBA", "nhl": "NHL"}},
)
BY_MARKET = QueryResult(
    columns=["market", "stake_units", "roi"],
    rows=[["moneyline", 10.0, 0.05], ["spread", 4.0, -0.1], ["parlay", 1.0, 0.5], ["total", 0.0, None]],
)
HOURLY = QueryResult(
    columns=["hour", "bets_placed"], rows=[[f"2026-11-0{d}T{h:02d}:00", d * h] for d in (1, 2) for h in (0, 1, 2)]
)
ONE_NUMBER = QueryResult(columns=["stake_units"], rows=[[12.5]])

# one result each type can draw
DRAWABLE = {
    "line": BY_LEAGUE_AND_DAY,
    "area": BY_LEAGUE_AND_DAY,
    "bar": BY_MARKET,
    "scatter": BY_MARKET,
    "heatmap": BY_LEAGUE_AND_DAY,
    "table": BY_LEAGUE_AND_DAY,
    "pie": BY_MARKET,
    "funnel": BY_MARKET,
    "kpi": ONE_NUMBER,
    "gauge": QueryResult(columns=["win_rate"], rows=[[0.6]]),
}
TRACE_TYPE = {"line": "scatter", "area": "scatter", "bar": "bar", "scatter": "scatter", "heatmap": "heatmap",
              "table": "table", "pie": "pie", "funnel": "funnel", "kpi": "indicator", "gauge": "indicator"}  # fmt: skip


@pytest.mark.parametrize("chart_type", CHART_TYPES)
def test_each_of_the_ten_chart_types_draws_its_trace(chart_type):
    drawn = figure(DRAWABLE[chart_type], chart_type)

    assert {trace["type"] for trace in drawn["data"]} == {TRACE_TYPE[chart_type]}
    assert drawn["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"


def test_a_line_has_one_trace_per_series_and_metric_with_labels_and_the_ratio_on_a_second_axis():
    drawn = figure(BY_LEAGUE_AND_DAY, "line")

    names = [trace["name"] for trace in drawn["data"]]
    assert names == ["NBA — Net units", "NBA — ROI", "NHL — Net units", "NHL — ROI"]
    assert [trace["yaxis"] for trace in drawn["data"]] == ["y", "y2", "y", "y2"]
    assert drawn["data"][0]["x"] == ["2026-11-01", "2026-11-02"] and drawn["data"][0]["y"] == [1.5, -1.0]
    assert drawn["data"][0]["customdata"][1] == {"bucket": "2026-11-02", "filters": {"league": "nba"}}
    assert drawn["layout"]["yaxis2"]["tickformat"] == ".2%"


def test_bars_over_a_dimension_keep_the_top_n_largest_first():
    drawn = figure(BY_MARKET, "bar", {"top": 2, "horizontal": True})

    (stake,) = [trace for trace in drawn["data"] if trace["name"] == "Handle (units staked)"]
    assert stake["y"] == ["moneyline", "spread"] and stake["x"] == [10.0, 4.0] and stake["orientation"] == "h"
    assert stake["customdata"][0] == {"bucket": None, "filters": {"market": "moneyline"}}


def test_a_pie_drops_empty_slices_and_folds_the_rest_into_other():
    drawn = figure(BY_MARKET, "pie", {"top": 2})

    (pie,) = drawn["data"]
    assert pie["labels"] == ["moneyline", "spread", "Other"]
    assert pie["values"] == [10.0, 4.0, 1.0]
    assert pie["customdata"][2] is None  # "Other" is not one value: no drill-down


def test_a_kpi_shows_the_change_against_the_previous_period():
    drawn = figure(ONE_NUMBER, "kpi", previous=QueryResult(columns=["stake_units"], rows=[[10.0]]))

    (kpi,) = drawn["data"]
    assert kpi["value"] == 12.5 and kpi["mode"] == "number+delta"
    assert kpi["delta"]["reference"] == 10.0
    assert kpi["delta"]["increasing"]["color"] == "#1b7f3b"  # more handle is good
    assert "previous period 10.00 (+25.0%)" in kpi["title"]["text"]


def test_a_kpi_of_a_metric_where_lower_is_better_colours_a_rise_red():
    drawn = figure(QueryResult(columns=["pending_bets"], rows=[[5]]), "kpi",
                   previous=QueryResult(columns=["pending_bets"], rows=[[2]]))  # fmt: skip

    assert drawn["data"][0]["delta"]["increasing"]["color"] == "#b42318"


def test_a_kpi_without_a_previous_figure_says_so():
    drawn = figure(
        QueryResult(columns=["roi"], rows=[[0.1]]), "kpi", previous=QueryResult(columns=["roi"], rows=[[None]])
    )

    assert drawn["data"][0]["mode"] == "number"
    assert "no previous figure" in drawn["data"][0]["title"]["text"]


def test_a_line_draws_the_forecast_as_80_and_95_percent_bands():
    result = QueryResult(columns=["day", "stake_units"], rows=[["2026-11-01", 3.0], ["2026-11-02", 4.0]])
    forecast = {"points": [
        {"t": "2026-11-03", "yhat": 4.5, "lower_80": 4.0, "upper_80": 5.0, "lower_95": 3.5, "upper_95": 5.5},
        {"t": "2026-11-04", "yhat": 5.0, "lower_80": 4.2, "upper_80": 5.8, "lower_95": 3.8, "upper_95": 6.2},
    ]}  # fmt: skip

    drawn = figure(result, "line", forecast=forecast)

    names = [trace["name"] for trace in drawn["data"]]
    assert names == ["Handle (units staked)", "95% interval upper", "95% interval", "80% interval upper",
                     "80% interval", "forecast"]  # fmt: skip
    lower_95 = drawn["data"][2]
    assert lower_95["y"] == [3.5, 3.8] and lower_95["fill"] == "tonexty"
    assert drawn["data"][5]["y"] == [4.5, 5.0] and drawn["data"][5]["line"]["dash"] == "dash"


def test_hourly_figures_without_a_dimension_make_a_day_by_hour_heatmap():
    (heat,) = figure(HOURLY, "heatmap")["data"]

    assert heat["x"] == ["2026-11-01", "2026-11-02"]
    assert heat["y"] == ["00:00", "01:00", "02:00"]
    assert heat["z"] == [[0, 0], [1, 2], [2, 4]]


def test_a_table_keeps_every_column_with_the_metric_formats():
    (table,) = figure(BY_LEAGUE_AND_DAY, "table")["data"]

    assert table["header"]["values"] == ["League", "Day", "Net units", "ROI"]
    assert table["cells"]["values"][0] == ["NBA", "NBA", "NHL", "NHL"]
    assert table["cells"]["format"] == ["", "", "+,.2f", "+.2%"]


@pytest.mark.parametrize(
    ("chart_type", "shape", "message"),
    [
        ("line", {"dimensions": 1, "time": None, "measures": 1}, "draws over time"),
        ("pie", {"dimensions": 0, "time": None, "measures": 1}, "needs a group_by"),
        ("pie", {"dimensions": 1, "time": "day", "measures": 1}, "set the grain to none"),
        ("kpi", {"dimensions": 0, "time": "day", "measures": 1}, "one number"),
        ("kpi", {"dimensions": 1, "time": None, "measures": 1, "additive": False}, "not a sum"),
        ("heatmap", {"dimensions": 0, "time": "day", "measures": 1}, "heatmap needs"),
        ("scatter", {"dimensions": 1, "time": None, "measures": 1}, "two metrics"),
        ("funnel", {"dimensions": 0, "time": None, "measures": 1}, "its stages"),
        ("donut", {"dimensions": 1, "time": None, "measures": 1}, "allowed are line, bar"),
    ],
)
def test_a_shape_a_type_cannot_draw_is_refused_with_the_reason(chart_type, shape, message):
    assert message in chart_problem(chart_type, **shape)


def test_figure_refuses_what_it_cannot_draw():
    with pytest.raises(ChartError, match="draws over time"):
        figure(BY_MARKET, "line")


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [(1234.5, ",.2f", "1,234.50"), (-2.5, "+,.2f", "−2.50"), (2.5, "+,.2f", "+2.50"), (0.1234, ".1%", "12.3%"),
     (0.05, "+.2%", "+5.00%"), (None, ",.0f", "–"), (7, ",.0f", "7")],
)  # fmt: skip
def test_numbers_are_written_as_their_d3_format(value, fmt, text):
    assert format_number(value, fmt) == text
