"""Rules kept in one place of apps/core, checked on the source so that a new file is covered (issue 11):
datetimes the API reads (apps.core.api.filters.DateTimeFilter, apps.core.api.serializers.DateTimeField), CSV
files (apps.core.csv_cells.csv_writer) and Discord ids (apps.core.discord)."""

import re
from pathlib import Path

import pytest

from dbsbm.settings.base import BASE_DIR

APPS_DIR = Path(BASE_DIR) / "apps"
FORBIDDEN = {
    r"django_filters\.(Iso)?DateTime(FromToRange)?Filter\b": "use apps.core.api.filters.DateTimeFilter",
    r"serializers\.DateTimeField\b": "use apps.core.api.serializers.DateTimeField",
    r"\bcsv\.(writer|DictWriter)\b": "use apps.core.csv_cells.csv_writer",
    r"\{1[5-7],\s*20\}|\{0,19\}|\{16,19\}": "use apps.core.discord (the one Discord id rule)",
}


def _is_rule_owner(path) -> bool:
    """The modules that define the rules: core's flat modules and its api/ package."""
    parts = path.relative_to(APPS_DIR).parts
    return parts[0] == "core" and (len(parts) == 2 or parts[1] == "api")


def _sources():
    return sorted(
        path for path in APPS_DIR.rglob("*.py") if "migrations" not in path.parts and not _is_rule_owner(path)
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_the_shared_input_and_output_rules_are_used_not_copied(path):
    text = path.read_text()

    found = {advice for pattern, advice in FORBIDDEN.items() if re.search(pattern, text)}

    assert found == set(), f"{path.relative_to(BASE_DIR)}: {sorted(found)}"
