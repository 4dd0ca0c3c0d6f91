"""The shape of the dashboard's "open items" widgets (fraud cases, security alerts, incidents): a count, the
first few rows with a badge, and a link to the list (template: portal/widgets/open_items.html)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

OPEN_ITEMS_TEMPLATE = "portal/widgets/open_items.html"
OPEN_ITEMS_LIMIT = 6


@dataclass(frozen=True, slots=True)
class OpenItem:
    tone: str  # the badge's colour class: low, medium, high, critical
    badge: str
    label: str
    state: str
    since: datetime
    url: str


def open_items_context(
    *,
    count: int,
    rows: Iterable,
    item: Callable[[object], OpenItem],
    count_label: str,
    list_url_name: str,
    list_label: str,
    empty_text: str,
) -> dict:
    """The widget's context: `count` open items, the first `OPEN_ITEMS_LIMIT` of `rows` drawn by `item`."""
    return {
        "count": count,
        "items": [item(row) for row in list(rows)[:OPEN_ITEMS_LIMIT]],
        "count_label": count_label,
        "list_url": reverse(list_url_name),
        "list_label": list_label,
        "empty_text": empty_text,
    }
