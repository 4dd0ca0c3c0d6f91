"""Cursor pagination for large lists: stable under inserts, no OFFSET scans."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first by primary key (monotonic), `?page_size=` up to 200."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # DRF trusts the position inside a well-encoded cursor; a client-made one with a position
        # that is not an id would reach the database as `id < 'abc'` and fail there (a 500).
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
        return cursor
