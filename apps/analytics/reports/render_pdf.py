"""A report's PDF: title and period, then each section in the template's order (KPI table, movers with a
bar chart, trends as line charts, top tables, recommendations), through apps/core/pdf.py (the compliance
reports' building blocks: the run's identity in every page's footer, the same content gives the same bytes)."""

from datetime import UTC, datetime

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, ListFlowable, ListItem, Paragraph, Spacer

from apps.analytics.metrics import METRICS
from apps.analytics.reports.content import ReportContent, SectionContent, format_change, format_value
from apps.analytics.reports.pdf_charts import movers_chart, trend_chart
from apps.analytics.reports.templates import KPIS, MOVERS, RECOMMENDATIONS, TOP, TREND
from apps.core.pdf import pdf_build, pdf_table, pdf_text

KPI_COLUMNS = ["Metric", "This period", "Previous period", "Change"]


def _kpis(section: SectionContent, styles) -> list:
    rows = [
        [kpi.label, format_value(kpi.metric, kpi.current), format_value(kpi.metric, kpi.previous), _change(kpi)]
        for kpi in section.kpis
    ]
    return [pdf_table(KPI_COLUMNS, rows, styles["cell"], column_widths=[70 * mm, 35 * mm, 35 * mm, 40 * mm])]


def _change(kpi) -> str:
    text = format_change(kpi.metric, kpi.change)
    if kpi.relative is not None and METRICS[kpi.metric].unit != "ratio":
        text += f" ({kpi.relative:+.0%})"
    return text


def _movers(section: SectionContent, styles) -> list:
    if not section.movers:
        return [Paragraph("Nothing changed against the previous period.", styles["BodyText"])]
    metric = section.section.rank_by
    columns = [section.section.dimension.replace("_", " "), "This period", "Previous period", "Change"]
    rows = [
        [
            mover.label,
            format_value(metric, mover.current),
            format_value(metric, mover.previous),
            format_change(metric, mover.change),
        ]
        for mover in section.movers
    ]
    return [movers_chart(section), pdf_table(columns, rows, styles["cell"])]


def _trend(section: SectionContent, styles) -> list:
    if not section.buckets:
        return [Paragraph("No days in the period.", styles["BodyText"])]
    return [trend_chart(section)]


def _top(section: SectionContent, styles) -> list:
    if not section.table_rows:
        return [Paragraph("None in this period.", styles["BodyText"])]
    flowables = [pdf_table(section.table_columns, section.table_rows, styles["cell"])]
    if len(section.rows) > len(section.table_rows):
        flowables.append(
            Paragraph(
                f"The first {len(section.table_rows)} of {len(section.rows)}; all are in the CSV and XLSX.",
                styles["cell"],
            )
        )
    return flowables


def _recommendations(section: SectionContent, styles) -> list:
    items = [ListItem(Paragraph(pdf_text(item.text), styles["BodyText"])) for item in section.recommendations]
    return [ListFlowable(items, bulletType="bullet", leftIndent=10)]


DRAWERS = {KPIS: _kpis, MOVERS: _movers, TREND: _trend, TOP: _top, RECOMMENDATIONS: _recommendations}


def render_pdf(content: ReportContent, *, header: dict) -> bytes:
    styles = getSampleStyleSheet()
    styles.add(styles["BodyText"].clone("cell", fontSize=8, leading=10))
    generated = datetime.fromisoformat(header["generated_at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    story = [
        Paragraph(pdf_text(content.title), styles["Title"]),
        Paragraph(pdf_text(content.period_text), styles["BodyText"]),
        Paragraph(
            pdf_text(f"Report “{header['definition']}”, version {header['version']}, generated {generated} UTC."),
            styles["cell"],
        ),
    ]
    for section in content.sections:
        heading = Paragraph(pdf_text(section.title), styles["Heading2"])
        body = DRAWERS[section.section.kind](section, styles)
        story += [Spacer(1, 3 * mm), KeepTogether([heading, body[0]]), *body[1:]]
    footer = f"{header['definition']} · version {header['version']} · {content.period_text}"
    return pdf_build(story, title=content.title, author="DBSBM analytics", footer=footer)
