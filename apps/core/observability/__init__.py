"""Observability (issue #15): OpenTelemetry tracing, the trace context of logs and responses, and the
Prometheus metrics beyond the cache (HTTP latency by route and status, Celery queues and tasks, the
database pool, the outbox backlog). See /api/v1/metrics/ (apps/core/cache/views.py)."""
