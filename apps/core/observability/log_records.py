"""Every log line carries the trace context: `trace_id` and `span_id` (empty outside a request or task).

A filter on the console handler (settings LOGGING, components/observability.py), so records of every
logger — Django's, Celery's, the apps' — get the attributes the text and JSON formats print.
"""

import logging

from apps.core.observability.context import current_trace_ids


class TraceContextFilter(logging.Filter):
    """Adds `trace_id` and `span_id` to each record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current_trace_ids()
        record.trace_id = ids.trace_id
        record.span_id = ids.span_id
        return True
