"""Tracing end to end: a request's Django span with its psycopg and Redis child spans, the traceparent
header, the trace id in the log lines, and nothing installed when tracing is off.

Tracing patches Django's settings, psycopg and redis-py for the whole process, so each configuration runs
in a subprocess of its own (tests/core/tracing_probe.py) on the test database; one module-scoped run per
configuration serves all the tests."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.keys import generate_key
from apps.accounts.models import ApiKey
from dbsbm.settings.base import BASE_DIR

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$")
INCOMING_TRACE_ID = "0af7651916cd43dd8448eb211c80319c"

pytestmark = pytest.mark.django_db  # the test database must exist (the probes use it, committed)


def _probe_start(mode: str, secret: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
        "LOG_FORMAT": "json",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.tracing_probe", mode, secret],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _probe_result(probe: subprocess.Popen) -> tuple[dict, list[dict]]:
    stdout, stderr = probe.communicate(timeout=90)
    assert probe.returncode == 0, stderr
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return json.loads(stdout.splitlines()[-1]), logs


@pytest.fixture(scope="module")
def probes(django_db_setup, django_db_blocker):
    """Both configurations' observations, with a platform key committed for the subprocesses."""
    with django_db_blocker.unblock():
        # a bare row (no audit record): the module's database stays as other tests expect it, once deleted
        secret, prefix, key_hash = generate_key()
        api_key = ApiKey.objects.create(name="tracing probe", prefix=prefix, key_hash=key_hash, scopes=["metrics:read"])
        try:
            started = {mode: _probe_start(mode, secret) for mode in ("on", "asgi", "off")}  # side by side
            yield {mode: _probe_result(probe) for mode, probe in started.items()}
        finally:
            api_key.delete()


@pytest.mark.parametrize(
    ("mode", "server_scope"),
    [("on", "opentelemetry.instrumentation.django"), ("asgi", "opentelemetry.instrumentation.asgi")],
)
def test_a_traced_request_has_a_server_span_with_database_and_redis_child_spans(probes, mode, server_scope):
    result, _ = probes[mode]
    assert result["metrics_status"] == 200
    spans = result["spans"]
    (server,) = [span for span in spans if span["name"] == "GET api/v1/metrics/"]  # named after the route
    assert server["scope"] == server_scope
    assert server["service"] == "dbsbm-web"
    children = [span for span in spans if span["trace_id"] == server["trace_id"] and span is not server]
    scopes = {span["scope"] for span in children}
    assert {"opentelemetry.instrumentation.psycopg", "opentelemetry.instrumentation.redis"} <= scopes
    by_id = {span["span_id"]: span for span in spans}
    for child in children:  # every one descends from the request's span
        parent = child
        while parent["parent_id"] in by_id and parent["span_id"] != server["span_id"]:
            parent = by_id[parent["parent_id"]]
        assert parent["span_id"] == server["span_id"]


def test_the_asgi_server_span_has_no_send_or_receive_spans(probes):
    """OpenTelemetry's ASGI middleware would add an internal span per message sent or received (2-3 a
    request, all exported): `exclude_spans` (tracing.asgi_traced) leaves one server span per request."""
    result, _ = probes["asgi"]
    asgi_spans = [span for span in result["spans"] if span["scope"] == "opentelemetry.instrumentation.asgi"]
    assert sorted(span["name"] for span in asgi_spans) == ["GET", "GET api/v1/metrics/"]  # the 404 has no route
    assert not [span for span in result["spans"] if span["name"].endswith(("http send", "http receive"))]


def test_the_asgi_middleware_records_no_metrics_of_its_own(probes):
    result, _ = probes["asgi"]
    assert result["asgi_meter"] == "NoOpMeter"  # the HTTP histograms are ours (counters.py), not a second copy


@pytest.mark.parametrize("mode", ["on", "asgi"])
def test_the_traceparent_header_names_the_request_span(probes, mode):
    result, _ = probes[mode]
    trace_id, span_id = TRACEPARENT.match(result["metrics_traceparent"]).groups()
    server = next(span for span in result["spans"] if span["name"] == "GET api/v1/metrics/")
    assert (trace_id, span_id) == (server["trace_id"], server["span_id"])
    assert result["metrics_traceparent"].endswith("-01")  # recorded


@pytest.mark.parametrize("mode", ["on", "asgi", "off"])
def test_a_caller_s_traceparent_is_continued(probes, mode):
    result, _ = probes[mode]
    trace_id, span_id = TRACEPARENT.match(result["missing_traceparent"]).groups()
    assert trace_id == INCOMING_TRACE_ID
    assert span_id != "b7ad6b7169203331"  # our own span, the caller's as its parent


@pytest.mark.parametrize("mode", ["on", "asgi", "off"])
def test_log_lines_carry_the_trace_id_of_their_request(probes, mode):
    result, logs = probes[mode]
    (not_found,) = [line for line in logs if line["message"].startswith("Not Found: /api/v1/no-such-route/")]
    assert not_found["level"] == "WARNING" and not_found["logger"] == "django.request"
    trace_id, span_id = TRACEPARENT.match(result["missing_traceparent"]).groups()
    assert (not_found["trace_id"], not_found["span_id"]) == (trace_id, span_id)


def test_without_tracing_the_response_still_has_a_traceparent_marked_not_recorded(probes):
    result, _ = probes["off"]
    assert result["metrics_status"] == 200
    assert TRACEPARENT.match(result["metrics_traceparent"]) and result["metrics_traceparent"].endswith("-00")
    assert result["spans"] == []


def test_without_tracing_no_instrumentation_is_loaded_or_installed(probes):
    result, _ = probes["off"]
    assert result["instrumentations_loaded"] == []
    assert result["tracer_provider"] == "ProxyTracerProvider"  # the API's default: nothing was set up
    # and this test process, never configured for tracing, has nothing installed either
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor  # noqa: PLC0415
    from opentelemetry.instrumentation.redis import RedisInstrumentor  # noqa: PLC0415

    for instrumentor in (DjangoInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()):
        assert not instrumentor.is_instrumented_by_opentelemetry
    assert not any("opentelemetry" in name for name in settings.MIDDLEWARE)
