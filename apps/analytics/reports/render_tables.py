"""A report's rows as CSV (every section in one file) and XLSX (openpyxl, one sheet per section).

The rows are the query results behind each section (all of them: the PDF shows the first few). Text that
a spreadsheet would run as a formula (a capper's display name starting with "=") is neutralised by
apps/core/csv_cells.py in both formats; numbers stay numbers.
"""

import io
import re
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from apps.analytics.reports.content import ReportContent
from apps.core.csv_cells import csv_cell, csv_writer

SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return csv_cell(str(value))


def render_csv(content: ReportContent, *, header: dict) -> bytes:
    """Every section: a line with its title, its header row, its rows, a blank line."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)  # every cell: formulas neutralised
    writer.writerow([f"# {content.title}", f"version {header['version']}", header["generated_at"]])
    writer.writerow(["# period", content.start.isoformat(), content.end.isoformat()])
    writer.writerow(["# previous period", content.previous_start.isoformat(), content.previous_end.isoformat()])
    for section in content.sections:
        writer.writerow([])
        writer.writerow([f"## {section.title}"])
        writer.writerow(section.columns)
        writer.writerows(section.rows)
    return buffer.getvalue().encode()


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name for the section: no forbidden characters, at most 31, unique in the workbook."""
    name = _SHEET_FORBIDDEN.sub(" ", title).strip()[:SHEET_NAME_MAX] or "Section"
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = name[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def render_xlsx(content: ReportContent, *, header: dict) -> bytes:
    """One sheet per section, in the template's order: a bold header row (frozen), then the rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    generated = datetime.fromisoformat(header["generated_at"]).astimezone(UTC).replace(tzinfo=None)
    workbook.properties.title = content.title
    workbook.properties.subject = content.period_text
    workbook.properties.creator = "DBSBM analytics"
    workbook.properties.description = f"{header['definition']}, version {header['version']}"
    workbook.properties.created = workbook.properties.modified = generated
    taken: set[str] = set()
    bold = Font(bold=True)
    for section in content.sections:
        sheet = workbook.create_sheet(sheet_name(section.title, taken))
        sheet.append([_cell(column) for column in section.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in section.rows:
            sheet.append([_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(section.columns, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(column) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
