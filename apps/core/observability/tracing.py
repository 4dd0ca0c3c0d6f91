"""OpenTelemetry tracing, set up once per process (web, worker, beat) when it is configured.

Off (no OTLP endpoint, OTEL_TRACING_ENABLED unset): nothing of the SDK or the instrumentations is even
imported, no middleware is added and no library is patched; the only cost left is the trace context kept
for logs and the `traceparent` header (context.py).

On: a TracerProvider with the process's resource (service.name `<OTEL_SERVICE_NAME>-<kind>`, version,
environment), a ParentBased(TraceIdRatioBased) sampler and a BatchSpanProcessor exporting OTLP/HTTP
(spans leave from a background thread; a request never waits for the collector). Django (its middleware
is put first in MIDDLEWARE, so `tracing_setup` runs before the handler loads it: asgi.py, wsgi.py),
Celery (publish and run spans; the context travels in the task message's headers), psycopg (a span per
statement) and redis-py (a span per command) are instrumented.

Per process, not per import: a prefork Celery child sets up its own after the fork
(`worker_process_init`), because a BatchSpanProcessor's thread does not survive a fork.
"""

import logging
import os
from dataclasses import dataclass, field

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass
class _TracingState:
    pid: int = 0
    provider: object | None = None
    instrumentors: list = field(default_factory=list)


_state = _TracingState()


def tracing_is_installed() -> bool:
    """Whether this process set up tracing (a forked child of a traced process has not, yet)."""
    return _state.provider is not None and _state.pid == os.getpid()


def tracing_setup(*, process_kind: str, span_processor=None, set_global: bool = True, asgi: bool = False):
    """Install tracing in this process if configured (or if a span processor is given, as tests do);
    returns the TracerProvider, or None when tracing is off. Calling it again is a no-op.

    `asgi`: the server spans come from OpenTelemetry's ASGI middleware around the application
    (`asgi_traced`), not from the Django instrumentation's middleware. That one is sync only: first in
    an async stack it costs every request a hop to a thread and back (make bench-integration measured it:
    +58 % at the bet list's p95). The observability middleware names the span after the URL pattern.
    """
    if tracing_is_installed():
        return _state.provider
    if span_processor is None and not settings.OTEL_TRACING_ENABLED:
        return None
    # imported only here: a process without tracing loads none of it
    from opentelemetry import trace  # noqa: PLC0415
    from opentelemetry.instrumentation.celery import CeleryInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.redis import RedisInstrumentor  # noqa: PLC0415
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased  # noqa: PLC0415

    resource = Resource.create(
        {
            "service.name": f"{settings.OTEL_SERVICE_NAME}-{process_kind}",
            "service.namespace": settings.OTEL_SERVICE_NAME,
            "service.version": settings.OTEL_SERVICE_VERSION,
            "deployment.environment": settings.OTEL_DEPLOYMENT_ENVIRONMENT,
            "process.pid": os.getpid(),
        }
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.OTEL_TRACES_SAMPLER_RATIO))
    )
    provider.add_span_processor(span_processor or _otlp_batch_processor())
    if set_global:
        trace.set_tracer_provider(provider)
    instrumentors = [CeleryInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()]
    if not asgi:
        instrumentors.append(DjangoInstrumentor())
    for instrumentor in instrumentors:
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider, skip_dep_check=True)
    _state.pid, _state.provider, _state.instrumentors = os.getpid(), provider, instrumentors
    logger.info("tracing: %s-%s exporting spans", settings.OTEL_SERVICE_NAME, process_kind)
    return provider


def asgi_traced(application):
    """The ASGI application wrapped in OpenTelemetry's ASGI middleware when tracing is on (a server span
    per request, the caller's traceparent continued; no spans for each body chunk sent or received).

    Its HTTP metrics go to a no-op meter provider: the request histograms are ours (counters.py, served
    at /api/v1/metrics/), and through the global proxy each request would pay 4-6 indirect instrument
    calls, which would start recording a second copy if anything ever set a global MeterProvider."""
    if not tracing_is_installed():
        return application
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware  # noqa: PLC0415
    from opentelemetry.metrics import NoOpMeterProvider  # noqa: PLC0415

    return OpenTelemetryMiddleware(
        application,
        tracer_provider=_state.provider,
        meter_provider=NoOpMeterProvider(),
        exclude_spans=["receive", "send"],
        default_span_details=_span_named_by_method,  # renamed after the route once it is resolved
    )


def _span_named_by_method(scope: dict) -> tuple[str, dict]:
    return scope.get("method") or scope.get("type", "request"), {}


def _otlp_batch_processor():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    endpoint = (settings.OTEL_EXPORTER_OTLP_ENDPOINT or "http://localhost:4318").rstrip("/")
    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=settings.OTEL_EXPORTER_OTLP_TIMEOUT)
    return BatchSpanProcessor(exporter)


def tracing_flush(timeout_millis: int = 2000) -> None:
    """Export the spans still queued now (a prefork child about to exit, which skips atexit handlers)."""
    if tracing_is_installed():
        _state.provider.force_flush(timeout_millis)


def tracing_shutdown() -> None:
    """Flush the spans still queued and remove the instrumentation (process exit, tests)."""
    if not tracing_is_installed():
        return
    for instrumentor in _state.instrumentors:
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    _state.provider.shutdown()
    _state.provider, _state.instrumentors = None, []
