"""Run in a subprocess by tests/core/test_observability_tracing.py: a fresh process (tracing patches Django,
psycopg and redis-py process-wide) that sets tracing up or not, answers requests through Django's test
client, and prints what it saw as JSON. Log lines go to stderr in the configured format.

    python -m tests.core.tracing_probe on|asgi|off <api key secret>

on: Django's test client (the handler a WSGI server runs, the Django instrumentation's middleware);
asgi: the ASGI application of dbsbm/asgi.py (what uvicorn serves), called directly.
"""

import asyncio
import json
import sys

import django


def main(mode: str, secret: str) -> None:
    from apps.core.observability.tracing import tracing_setup  # noqa: PLC0415

    spans = []
    if mode in ("on", "asgi"):  # the SDK is imported only here: "off" checks that the app never loads it
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: PLC0415

        exporter = InMemorySpanExporter()
        spans = exporter.get_finished_spans  # read after the requests
        tracing_setup(process_kind="web", span_processor=SimpleSpanProcessor(exporter), asgi=mode == "asgi")
    django.setup()
    from django.db import connections  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from opentelemetry import trace  # noqa: PLC0415

    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    if mode == "asgi":
        metrics = asyncio.run(_asgi_get("/api/v1/metrics/", {"authorization": f"Bearer {secret}"}))
        missing = asyncio.run(_asgi_get("/api/v1/no-such-route/", {"traceparent": incoming}))
    else:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="localhost")
        metrics = client.get("/api/v1/metrics/")
        missing = client.get("/api/v1/no-such-route/", HTTP_TRACEPARENT=incoming)
    connections.close_all()
    sys.stdout.write(
        json.dumps(
            {
                "metrics_status": metrics.status_code,
                "metrics_traceparent": metrics.headers.get("traceparent"),
                "missing_traceparent": missing.headers.get("traceparent"),
                # (redis-py imports opentelemetry.sdk's metrics itself when it is installed: not looked at)
                "instrumentations_loaded": sorted(
                    name for name in sys.modules if name.startswith("opentelemetry.instrumentation")
                ),
                "tracer_provider": type(trace.get_tracer_provider()).__name__,
                "asgi_meter": _asgi_meter_type() if mode == "asgi" else None,
                "spans": [
                    {
                        "name": span.name,
                        "trace_id": f"{span.context.trace_id:032x}",
                        "span_id": f"{span.context.span_id:016x}",
                        "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
                        "scope": span.instrumentation_scope.name,
                        "service": span.resource.attributes.get("service.name"),
                    }
                    for span in (spans() if spans else [])
                ],
            }
        )
        + "\n"
    )


def _asgi_meter_type() -> str:
    """The meter of the ASGI middleware dbsbm/asgi.py wraps the HTTP application in."""
    from dbsbm.asgi import application  # noqa: PLC0415

    return type(application.application_mapping["http"].meter).__name__


class _Answer:
    """What the probe reads of an ASGI response (the test client's response shape)."""

    def __init__(self, messages: list[dict]) -> None:
        start = next(message for message in messages if message["type"] == "http.response.start")
        self.status_code = start["status"]
        self.headers = {name.decode(): value.decode() for name, value in start["headers"]}


async def _asgi_get(path: str, headers: dict[str, str]) -> _Answer:
    from dbsbm.asgi import application  # noqa: PLC0415 - after tracing is set up, as uvicorn imports it

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *((name.encode(), value.encode()) for name, value in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages: list[dict] = []
    body_sent = asyncio.Event()

    async def receive() -> dict:
        if not body_sent.is_set():
            body_sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: Django cancels this once it has answered
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        messages.append(message)

    await application(scope, receive, send)
    return _Answer(messages)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
