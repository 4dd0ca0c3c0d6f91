"""Exports of a list as CSV or XLSX (issue 17, item 4): one mechanism for the admin and the portal.

CSV is streamed (`StreamingHttpResponse` over a generator, the rows read with `.iterator()` in chunks), so a
list of a million rows never sits in memory. XLSX is written by openpyxl in write-only mode to a temporary
file and returned as a `FileResponse` (a zip cannot be streamed before its end is known).

Every text cell goes through `apps.core.csv_cells.csv_cell`: text that a spreadsheet would run as a formula
(= + - @ tab CR) gets a leading apostrophe (OWASP "CSV injection"); numbers stay numbers (an integer -110
is written as a number, never escaped). The file name carries the list's name and the UTC date and time.

A list that is not a queryset (a selector that filters in Python, a summary of counted rows) exports the same
way from a sequence of objects or dicts: each column's path is then read attribute by attribute (`a__b`).
"""

import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from apps.core.csv_cells import csv_cell, csv_writer
from apps.core.signals import list_exported

FORMATS = ("csv", "xlsx")
CHUNK_SIZE = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Column:
    """One exported column: its header and the ORM path of its value (given to `values_list`)."""

    header: Any  # text, or a lazy translation
    path: str


def _plain(value: Any) -> Any:
    """A value both formats can hold: numbers, booleans and dates as they are, the rest as text."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    return csv_cell(value)


def _xlsx_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC).replace(tzinfo=None)  # spreadsheets hold no time zone: UTC, named in the header
    if isinstance(value, str):
        return csv_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _headers(columns: Sequence[Column]) -> list[str]:
    return [str(column.header) for column in columns]  # a header may be a lazy translation


def _read(item: Any, path: str) -> Any:
    """`a__b` of an object or dict (None when a step is missing); a method is called (get_status_display)."""
    for step in path.split("__"):
        if item is None:
            return None
        item = item.get(step) if isinstance(item, dict) else getattr(item, step, None)
        if callable(item):
            item = item()
    return item


def export_rows(rows: QuerySet | Sequence, columns: Sequence[Column]) -> Iterator[tuple]:
    """The rows as value tuples: a queryset read in chunks (no model instances, no prefetching), a sequence
    of objects or dicts read column path by column path."""
    if isinstance(rows, QuerySet):
        return rows.prefetch_related(None).values_list(*[c.path for c in columns]).iterator(chunk_size=CHUNK_SIZE)
    return (tuple(_read(item, column.path) for column in columns) for item in rows)


def export_filename(name: str, fmt: str) -> str:
    stamp = timezone.now().astimezone(UTC).strftime("%Y-%m-%d-%H%M")
    return f"{_SAFE_NAME.sub('-', name).strip('-') or 'export'}-{stamp}.{fmt}"


class _Echo:
    """A file-like object whose write returns what it was given (the csv writer's row as text)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(columns: Sequence[Column], rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv_writer(_Echo())
    yield "\ufeff"  # byte-order mark: spreadsheets then read the file as UTF-8
    yield writer.writerow(_headers(columns))
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def csv_response(columns: Sequence[Column], rows: Iterable[tuple], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(columns, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(columns: Sequence[Column], rows: Iterable[tuple], *, filename: str, title: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", title)[:31] or "Export")
    sheet.append(_headers(columns))
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it once sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def export_response(
    request, queryset: QuerySet | Sequence, columns: Sequence[Column], *, fmt: str, name: str, title: str = ""
) -> HttpResponseBase:
    """The rows of `queryset` (or a sequence of objects or dicts; already filtered as the list shows them, and
    to what the user may see) in `fmt`, and the `list_exported` signal (the audit trail records who exported
    what, how many rows).

    The row count is taken before the file is written, so the export is recorded even if the download is
    cut off. `fmt` must be one of FORMATS (callers turn anything else into a 404 or 400)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    filters = request.GET.urlencode() if request is not None else ""
    is_queryset = isinstance(queryset, QuerySet)
    count = queryset.count() if is_queryset else len(queryset)
    sender = queryset.model if is_queryset else None
    list_exported.send(sender=sender, request=request, list_name=name, fmt=fmt, rows=count, filters=filters)
    filename = export_filename(name, fmt)
    if fmt == "csv":
        return csv_response(columns, export_rows(queryset, columns), filename=filename)
    return xlsx_response(columns, export_rows(queryset, columns), filename=filename, title=title or name)
