"""Formula neutralising in every CSV the portal writes (issue 11, item 9): a cell a spreadsheet would run
as a formula (leading = + - @, tab or carriage return) is written as text with a leading apostrophe."""

import csv
import io
from decimal import Decimal

import pytest

from apps.compliance.reporting.content import ReportContent, Table
from apps.compliance.reporting.render import render_csv
from apps.core.csv_cells import csv_cell
from apps.privacy.services.exports import member_export_files
from tests.factories import MemberFactory

FORMULAS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_that_starts_a_formula_becomes_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", "a=b", "-3.2000", "+5", "-12", 7, Decimal("-1.5"), None, "1e5"])
def test_anything_else_is_left_as_it_is(value):
    assert csv_cell(value) == value


def _cells(data: bytes) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(data.decode(), newline="")) for cell in row}


def test_a_report_csv_neutralises_every_cell_title_facts_columns_and_rows():
    content = ReportContent(
        title="=title",
        facts=[("@fact", "+fact value")],
        tables=[Table(title="-table", columns=["=column"], rows=[["\tcell"], ["\rcell"], ["-2.50"]])],
    )

    cells = _cells(render_csv(content, header={"version": 1, "generated_at": "2026-12-07T00:00:00+00:00"}))

    assert "# =title" in cells  # after "# ": not a formula
    assert {"'+fact value", "'=column", "'\tcell", "'\rcell", "-2.50"} <= cells
    assert not any(cell[:1] in ("=", "+", "@", "\t", "\r") for cell in cells)
    assert [cell for cell in cells if cell.startswith("-")] == ["-2.50"]


@pytest.mark.django_db
def test_a_data_subject_export_neutralises_the_persons_values(tenant):
    member = MemberFactory(tenant=tenant, display_name='=HYPERLINK("http://evil","x")', username="@sam")

    files, _ = member_export_files(member=member)

    cells = _cells(files["accounts.Member.csv"])
    assert {'\'=HYPERLINK("http://evil","x")', "'@sam"} <= cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
