"""Charts of a report's PDF, drawn by reportlab's own graphics (vector drawings inside the PDF: no browser,
no image export, no system library). Pure functions: a section's figures in, a Drawing out."""

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from apps.analytics.metrics import METRICS
from apps.analytics.reports.content import SectionContent

SERIES_COLOURS = [colors.HexColor("#1f77b4"), colors.HexColor("#ff7f0e"), colors.HexColor("#2ca02c")]
GAIN, LOSS = colors.HexColor("#2ca02c"), colors.HexColor("#d62728")
WIDTH = 180 * mm
MAX_AXIS_LABELS = 10


def _value_format(metric: str) -> str:
    """A %-style format for the axis: two decimals for units and ratios, none for counts."""
    return "%.0f" if METRICS[metric].format.endswith(".0f") else "%.2f"


def trend_chart(section: SectionContent) -> Drawing:
    """The section's metrics per bucket as lines, with a legend; an empty bucket (a ratio with nothing to
    divide) is left out of its line, never drawn as a zero."""
    drawing = Drawing(WIDTH, 62 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 14 * mm, WIDTH - 20 * mm, 40 * mm
    metrics = list(section.series)
    chart.data = [list(section.series[metric]) for metric in metrics]
    step = max(1, len(section.buckets) // MAX_AXIS_LABELS)
    chart.categoryAxis.categoryNames = [
        bucket[5:] if index % step == 0 else "" for index, bucket in enumerate(section.buckets)
    ]
    chart.categoryAxis.joinAxisMode = "bottom"  # the days stay under the chart when values go negative
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.labelTextFormat = _value_format(metrics[0])
    numbers = [value for series in chart.data for value in series if value is not None]
    chart.valueAxis.valueMin = min([0, *numbers])
    chart.valueAxis.valueMax = max([1, *numbers]) if numbers else 1
    for index, _ in enumerate(metrics):
        chart.lines[index].strokeColor = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        chart.lines[index].strokeWidth = 1.2
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 14 * mm, 60 * mm
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (SERIES_COLOURS[index % len(SERIES_COLOURS)], METRICS[metric].label) for index, metric in enumerate(metrics)
    ]
    legend.deltax = 60 * mm
    drawing.add(legend)
    return drawing


def movers_chart(section: SectionContent) -> Drawing:
    """The top movers' changes of the ranking metric as horizontal bars, gains green and losses red."""
    movers = section.movers
    height = (14 + 7 * len(movers)) * mm
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 40 * mm, 8 * mm
    chart.width, chart.height = WIDTH - 60 * mm, height - 14 * mm
    chart.data = [[mover.change for mover in reversed(movers)]]
    chart.categoryAxis.categoryNames = [mover.label[:30] for mover in reversed(movers)]
    chart.categoryAxis.joinAxisMode = "left"  # the names stay left of the bars when changes are negative
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.labelTextFormat = _value_format(section.section.rank_by)
    changes = [mover.change for mover in movers]
    chart.valueAxis.valueMin = min([0, *changes])
    chart.valueAxis.valueMax = max([0, *changes]) or 1
    for index, mover in enumerate(reversed(movers)):
        chart.bars[(0, index)].fillColor = GAIN if mover.change >= 0 else LOSS
    chart.bars.strokeColor = None
    drawing.add(chart)
    title = f"Change in {METRICS[section.section.rank_by].label.lower()} against the previous period"
    drawing.add(String(40 * mm, height - 4 * mm, title, fontSize=7, fillColor=colors.grey))
    return drawing
