"""Every log line carries the trace context: `trace_id` and `span_id` (empty outside a request or task).

A filter on the console handler (settings LOGGING, components/observability.py), so records of every
logger — Django's, Celery's, the apps' — get the attributes the text and JSON formats print.
"""

import logging

from apps.core.observability.context import current_trace_ids

# set on the request by the observability middleware (middleware.py; not imported: it needs the ORM)
TRACE_IDS_ATTRIBUTE = "observability_trace_ids"


class TraceContextFilter(logging.Filter):
    """Adds `trace_id` and `span_id` to each record (never drops one). Outside any context, a record about
    a request (django.request's, written after the middleware returned) gets the ids kept on it."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current_trace_ids()
        if not ids.trace_id:
            ids = getattr(getattr(record, "request", None), TRACE_IDS_ATTRIBUTE, ids)
        record.trace_id = ids.trace_id
        record.span_id = ids.span_id
        return True
