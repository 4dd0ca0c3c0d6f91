"""CSV files a person may open in a spreadsheet: every writer goes through `csv_writer` (issue 11, item 9).

A cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip before
reading a formula) is run as a formula when the file is opened: data a member or a client wrote
(a display name, a note) could then fetch URLs or run commands on a compliance officer's machine
(OWASP "CSV injection"). Such a cell is written as text with a leading apostrophe. A plain number
("-2.50", "+5") cannot be a formula and is left alone, so figures stay figures.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def csv_cell(value: Any) -> Any:
    """The value as a spreadsheet should show it: text that starts a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


class _NeutralisingWriter:
    """csv.writer's writerow/writerows, with every cell through `csv_cell`."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(buffer) -> _NeutralisingWriter:
    """An RFC 4180 csv.writer (CRLF rows) that neutralises formulas in every cell it writes.

    CRLF, not "\n": Python quotes a cell only for the characters of its line terminator, so with "\n"
    a carriage return inside a cell would be written bare and split the row in a spreadsheet."""
    return _NeutralisingWriter(csv.writer(buffer, lineterminator="\r\n"))
