"""Run in a subprocess by tests/core/test_observability_tracing.py: a fresh process (tracing patches Django,
psycopg and redis-py process-wide) that sets tracing up or not, answers requests through Django's test
client, and prints what it saw as JSON. Log lines go to stderr in the configured format.

    python -m tests.core.tracing_probe on|off <api key secret>
"""

import json
import sys

import django


def main(mode: str, secret: str) -> None:
    from apps.core.observability.tracing import tracing_setup  # noqa: PLC0415

    spans = []
    if mode == "on":  # the SDK is imported only here: "off" checks that the app never loads it
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: PLC0415

        exporter = InMemorySpanExporter()
        spans = exporter.get_finished_spans  # read after the requests
        tracing_setup(process_kind="web", span_processor=SimpleSpanProcessor(exporter))
    django.setup()
    from django.db import connections  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from opentelemetry import trace  # noqa: PLC0415

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="localhost")
    metrics = client.get("/api/v1/metrics/")
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
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


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
