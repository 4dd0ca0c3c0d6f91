"""PDF building blocks shared by the reports of several apps (compliance reports, analytics BI reports).

reportlab, pure Python: no browser and no system library. `pdf_build` gives every page the same footer
(what the document is and which version) and a page number, and builds with `invariant=1` (no random
document id, no creation time), so the same story gives the same bytes and the same SHA-256.
"""

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

HEADER_BACKGROUND = colors.HexColor("#e8eef7")
_MAX_CELL_CHARACTERS = 500


def pdf_text(value: Any) -> str:
    """A value as text safe inside a reportlab Paragraph (its markup characters escaped, long text cut)."""
    if value is None:
        text = ""
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = str(value)
    else:
        text = str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:_MAX_CELL_CHARACTERS]


def pdf_table(
    columns: Sequence[Any], rows: Sequence[Sequence[Any]], style, *, column_widths: Sequence[float] | None = None
) -> LongTable:
    """A table with a shaded header row repeated on every page; every cell a wrapped Paragraph."""
    data = [[Paragraph(pdf_text(column), style) for column in columns]]
    data += [[Paragraph(pdf_text(value), style) for value in row] for row in rows]
    table = LongTable(data, repeatRows=1, colWidths=column_widths)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def pdf_build(story: list, *, title: str, author: str, footer: str, pagesize=A4) -> bytes:
    """The story as PDF bytes: 12 mm margins, `footer` and the page number at the foot of every page."""
    buffer = io.BytesIO()

    def on_page(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(12 * mm, 7 * mm, footer[:180])
        canvas.drawRightString(document.pagesize[0] - 12 * mm, 7 * mm, f"page {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=author,
        invariant=1,  # no random document id or creation time: the same content gives the same bytes
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
