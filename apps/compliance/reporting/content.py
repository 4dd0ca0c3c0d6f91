"""What a built report holds, independent of its output format."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class ReportContent:
    """A title, key facts (label, value) and tables; rendered to PDF, CSV and JSON by render.py."""

    title: str
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(table.rows) for table in self.tables)

    @property
    def summary(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.facts[:4])[:300]
