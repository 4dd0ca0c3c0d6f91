"""Platform signals of core. Receivers in other apps (security, monitoring) turn them into events.

They are sent synchronously from the request or task that noticed the condition: receivers must be
cheap and must not raise (enqueue a task, write one row).
"""

from django.dispatch import Signal

# A rate limit could not be checked (the cache failed) and the request was let through.
# scope: str, identity: str (key id, "tenant:capper" or client address), error: str (exception type)
throttle_failed_open = Signal()

# A process's resident memory rose to a new level (low, medium, high, critical).
# level: str, previous_level: str, rss_bytes: int, process: str, snapshot_id: int
memory_threshold_crossed = Signal()

# A process's memory grew at every one of the last N snapshots.
# leak_suspect_id: int, process: str, growth_bytes: int
memory_leak_suspected = Signal()

# The API refused a request with 401, 403 or 429 (sent by apps.core.errors.api_exception_handler).
# request: HttpRequest, status_code: int, code: str (the error code of the response)
api_request_refused = Signal()

# A staff page (admin, portal) refused a signed-in or anonymous user with 403 (sent by
# apps.core.views.permission_denied). request: HttpRequest, reason: str (the refusal's message)
page_refused = Signal()

# A staff user exported a list (apps.core.exports.export_response), before the file is written; the audit
# app records it. request: HttpRequest, list_name: str, fmt: "csv" | "xlsx", rows: int, filters: str (the
# list's query string)
list_exported = Signal()
