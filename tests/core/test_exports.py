"""apps.core.exports: CSV streamed and XLSX written, both opening with the right rows, formulas neutralised
and numbers kept numbers (issue 17, item 4)."""

import csv
import io
from datetime import datetime

import pytest
from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.exports import Column, csv_response, export_filename, export_response, xlsx_response

COLUMNS = [Column("id", "id"), Column("actor", "actor_label"), Column("changes", "changes")]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def read_xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


def test_csv_rows_are_streamed_with_formulas_neutralised_and_numbers_left_alone():
    rows = [(1, '=HYPERLINK("http://evil")', -110), (2, "-2.50", "@SUM(A1)"), (3, "line\r\nbreak", None)]
    response = csv_response([Column("a", "a"), Column("b", "b"), Column("c", "c")], rows, filename="x.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert read_csv(response) == [
        ["a", "b", "c"],
        ["1", '\'=HYPERLINK("http://evil")', "-110"],
        ["2", "-2.50", "'@SUM(A1)"],
        ["3", "line\r\nbreak", ""],
    ]


def test_xlsx_keeps_numbers_numeric_and_text_formulas_as_text():
    rows = [
        (1, "=1+1", -110, datetime(2026, 1, 2, 3, 4)),
        (2, "+cmd|' /C calc'!A0", -2.5, None),
        (3, "bell\x07", 0, None),
    ]
    columns = [Column("id", "id"), Column("text", "t"), Column("odds", "o"), Column("when", "w")]
    response = xlsx_response(columns, rows, filename="x.xlsx", title="Test: list/one")
    assert isinstance(response, FileResponse)
    sheet = read_xlsx(response)
    assert sheet[0] == ("id", "text", "odds", "when")
    assert sheet[1] == (1, "'=1+1", -110, datetime(2026, 1, 2, 3, 4))
    assert isinstance(sheet[1][2], int)
    assert sheet[2] == (2, "'+cmd|' /C calc'!A0", -2.5, None)
    assert sheet[3] == (3, "bell", 0, None)  # a control character no spreadsheet can hold is dropped


def test_filename_carries_the_list_and_the_date():
    name = export_filename("fraud cases/all", "csv")
    assert name.startswith("fraud-cases-all-20") and name.endswith(".csv")
    assert len(name) == len("fraud-cases-all-2026-12-07-2040.csv")


@pytest.mark.django_db
def test_export_response_reads_the_queryset_and_records_the_export_in_the_audit_trail():
    with transaction.atomic():
        for label in ["=2+3", "plain"]:
            audit_record(actor=Actor.system(label), action="test.exported_row", changes={"n": 1})
    queryset = AuditEvent.objects.filter(action="test.exported_row").order_by("id")
    request = RequestFactory().get("/x/", {"q": "exported"})
    request.user = None
    response = export_response(request, queryset, COLUMNS, fmt="csv", name="audit")
    rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == ["'=2+3", "plain"]
    assert rows[1][2] == '{"n": 1}'
    event = AuditEvent.objects.get(action="core.list_exported")
    assert event.changes == {"list": "audit", "format": "csv", "rows": 2, "filters": "q=exported"}
    with pytest.raises(ValueError):
        export_response(request, queryset, COLUMNS, fmt="pdf", name="audit")
