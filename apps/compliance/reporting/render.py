"""Rendering a report's content to PDF (reportlab, pure Python, through apps/core/pdf.py), CSV and JSON bytes.

The JSON is canonical (sorted keys, fixed separators), so the same content gives the same bytes and
the same SHA-256. The PDF carries the run's identity (definition, version, time) on every page.
"""

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from apps.compliance.reporting.content import ReportContent
from apps.core.csv_cells import csv_writer
from apps.core.pdf import pdf_build, pdf_table, pdf_text
from apps.core.storage.digests import canonical_json

# A table this long goes to the CSV and JSON in full; the PDF shows its first rows and says so.
PDF_MAX_ROWS_PER_TABLE = 2000


def plain(value: Any) -> Any:
    """A JSON- and CSV-friendly value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def render_json(content: ReportContent, *, header: dict) -> bytes:
    document = {
        "report": header,
        "title": content.title,
        "facts": [{"label": label, "value": plain(value)} for label, value in content.facts],
        "tables": [
            {"title": t.title, "columns": t.columns, "rows": [[plain(v) for v in row] for row in t.rows]}
            for t in content.tables
        ],
        "notes": content.notes,
    }
    return canonical_json(document)


def render_csv(content: ReportContent, *, header: dict) -> bytes:
    """Every table in one file: a line with the table's title, its header row, its rows, a blank line."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # every cell: formulas neutralised
    writer.writerow([f"# {content.title}", f"version {header['version']}", header["generated_at"]])
    for label, value in content.facts:
        writer.writerow([f"# {label}", plain(value)])
    for table in content.tables:
        writer.writerow([])
        writer.writerow([f"## {table.title}"])
        writer.writerow(table.columns)
        writer.writerows([plain(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode()


def render_pdf(content: ReportContent, *, header: dict) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    footer = f"{header['definition']} · version {header['version']} · generated {header['generated_at']}"
    story = [Paragraph(pdf_text(content.title), styles["Title"])]
    for label, value in content.facts:
        story.append(Paragraph(f"<b>{pdf_text(label)}</b>: {pdf_text(value)}", styles["BodyText"]))
    for table in content.tables:
        story += [Spacer(1, 4 * mm), Paragraph(pdf_text(table.title), styles["Heading3"])]
        if not table.rows:
            story.append(Paragraph("None.", styles["BodyText"]))
            continue
        rows = table.rows[:PDF_MAX_ROWS_PER_TABLE]
        story.append(pdf_table(table.columns, rows, small))
        if len(table.rows) > len(rows):
            story.append(Paragraph(f"First {len(rows)} of {len(table.rows)} rows; all are in the CSV and JSON.", small))
    for note in content.notes:
        story += [Spacer(1, 3 * mm), Paragraph(pdf_text(note), styles["Italic"])]
    return pdf_build(story, title=content.title, author="DBSBM compliance", footer=footer, pagesize=landscape(A4))
