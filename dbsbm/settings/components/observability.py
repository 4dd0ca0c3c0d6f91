"""Settings of observability (issue #15): OpenTelemetry tracing, logs that carry the trace id, metrics.

Tracing is installed in a process only when an OTLP endpoint is configured (or OTEL_TRACING_ENABLED is
set): otherwise no instrumentation is imported or installed at all (apps/core/observability/tracing.py).
"""

from django.core.exceptions import ImproperlyConfigured

from dbsbm.settings.environment import env_bool, env_int, env_str

# --- tracing ------------------------------------------------------------------------------------
# The collector's OTLP/HTTP base URL (the standard variable): spans are POSTed to <endpoint>/v1/traces.
OTEL_EXPORTER_OTLP_ENDPOINT = env_str("OTEL_EXPORTER_OTLP_ENDPOINT")
# Explicit switch; by default tracing is on exactly when an endpoint is set.
OTEL_TRACING_ENABLED = env_bool("OTEL_TRACING_ENABLED", default=bool(OTEL_EXPORTER_OTLP_ENDPOINT))
# service.name of the resource is "<name>-<process kind>" (dbsbm-web, dbsbm-worker, dbsbm-beat).
OTEL_SERVICE_NAME = env_str("OTEL_SERVICE_NAME", "dbsbm")
OTEL_SERVICE_VERSION = env_str("OTEL_SERVICE_VERSION", env_str("DBSBM_VERSION", "dev"))
OTEL_DEPLOYMENT_ENVIRONMENT = env_str("OTEL_DEPLOYMENT_ENVIRONMENT", "development")
# Head sampling: ParentBased(TraceIdRatioBased(ratio)). 1.0 records every trace the caller did not mark
# unsampled; lower it under heavy traffic (a sampled-out request still gets a trace id and its header).
OTEL_TRACES_SAMPLER_RATIO = float(env_str("OTEL_TRACES_SAMPLER_RATIO", "1.0"))
# Seconds the exporter waits for the collector before dropping a batch (it never blocks a request).
OTEL_EXPORTER_OTLP_TIMEOUT = env_int("OTEL_EXPORTER_OTLP_TIMEOUT", 5)

# --- logs -----------------------------------------------------------------------------------------
# "text" (development) or "json" (one object a line; production.py defaults to it). Every line carries
# trace_id and span_id (empty outside a request or traced task).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO")
LOG_FORMATS = ("text", "json")


def logging_config(log_format: str, level: str = LOG_LEVEL) -> dict:
    """Django's LOGGING for a format: one console handler whose filter adds the trace context."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"trace_context": {"()": "apps.core.observability.log_records.TraceContextFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["trace_context"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"axes": {"level": "WARNING"}},
    }


LOGGING = logging_config(LOG_FORMAT)
# Celery keeps Django's LOGGING (the same format and trace ids in workers) instead of its own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- metrics (/api/v1/metrics/) --------------------------------------------------------------------
# Each process adds its HTTP-by-status and task counters to Redis at most this often, with a snapshot of
# its database pool (apps/core/observability/counters.py); the endpoint reads the totals of all processes.
OBSERVABILITY_FLUSH_SECONDS = env_int("OBSERVABILITY_FLUSH_SECONDS", 5)
# A process's pool snapshot older than this is a process that is gone (left out of the metrics).
OBSERVABILITY_POOL_SNAPSHOT_TTL_SECONDS = env_int("OBSERVABILITY_POOL_SNAPSHOT_TTL_SECONDS", 60)
