"""The registry's life: results stored with a state change recorded once, the instance's status the worst
of its checks, deregistration after the critical period (the clock driven by `now`), re-registration only
with a newer heartbeat, pruning, per-check intervals, and beat's sync discovering what runs."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.beat import declared_schedules
from apps.integration.models import CheckResult, CheckTransition, HealthCheck, Service, ServiceInstance
from apps.integration.models.feeds import FeedSource
from apps.integration.registry.discovery import feed_registrations, registry_sync
from apps.integration.registry.heartbeats import announce, announcements, this_process
from apps.integration.registry.runners import Probe
from apps.integration.registry.services import (
    CheckSpec,
    check_result_record,
    instances_deregister_critical,
    registry_register,
    results_prune,
    upstream_register,
)
from apps.integration.registry.sweep import _claim, checks_run_due
from apps.notifications.models import WebhookEndpoint
from tests.integration.registry_helpers import dead_port

pytestmark = pytest.mark.django_db

PASSING = Probe(status="passing", output="ok", duration_ms=3)
CRITICAL = Probe(status="critical", output="down", duration_ms=5)


def _instance(**values) -> ServiceInstance:
    checks = [CheckSpec(name="a", kind="tcp", target={"host": "127.0.0.1", "port": 1}), CheckSpec(name="b", kind="sql")]
    return registry_register(
        service="web", kind="web", instance_id="host:1", checks=checks, deregister_critical_after_seconds=600, **values
    )


def test_every_run_is_history_and_a_state_change_is_recorded_once():
    instance = _instance()
    check = instance.checks.get(name="a")
    start = timezone.now()
    for minute, probe in enumerate([PASSING, PASSING, PASSING, CRITICAL, CRITICAL, PASSING]):
        check_result_record(check=check, probe=probe, now=start + timedelta(minutes=minute))

    assert CheckResult.objects.filter(check_ref=check).count() == 6
    changes = CheckTransition.objects.filter(check_ref=check).order_by("created_at")
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("", "passing"),
        ("passing", "critical"),
        ("critical", "passing"),
    ]
    check.refresh_from_db()
    assert (check.status, check.last_run_at, check.next_run_at) == (
        "passing",
        start + timedelta(minutes=5),
        start + timedelta(minutes=5, seconds=check.interval_seconds),
    )


def test_the_instance_is_as_bad_as_its_worst_check_and_critical_since_starts_once():
    instance = _instance()
    a, b = instance.checks.get(name="a"), instance.checks.get(name="b")
    start = timezone.now()
    check_result_record(check=a, probe=PASSING, now=start)
    instance.refresh_from_db()
    assert (instance.status, instance.critical_since) == ("passing", None)

    check_result_record(check=b, probe=CRITICAL, now=start + timedelta(seconds=10))
    check_result_record(check=b, probe=CRITICAL, now=start + timedelta(seconds=20))
    instance.refresh_from_db()
    assert (instance.status, instance.critical_since) == ("critical", start + timedelta(seconds=10))

    check_result_record(
        check=b, probe=Probe(status="warning", output="slow", duration_ms=1500), now=start + timedelta(seconds=30)
    )
    instance.refresh_from_db()
    assert (instance.status, instance.critical_since) == ("warning", None)


def test_an_instance_critical_past_the_period_is_deregistered_audited_and_its_history_kept():
    instance = _instance()
    check = instance.checks.get(name="a")
    start = timezone.now()
    check_result_record(check=check, probe=CRITICAL, now=start)

    assert instances_deregister_critical(now=start + timedelta(seconds=599)) == []
    gone = instances_deregister_critical(now=start + timedelta(seconds=600))

    assert [i.pk for i in gone] == [instance.pk]
    instance.refresh_from_db()
    assert instance.deregistered_at == start + timedelta(seconds=600)
    assert instance.deregistered_reason == "critical for 600 s (limit 600 s)"
    assert CheckResult.objects.filter(check_ref=check).count() == 1  # history kept
    event = AuditEvent.objects.get(action="integration.registry_instance_deregistered")
    assert event.changes == {"service": "web", "instance": "host:1"}
    assert instances_deregister_critical(now=start + timedelta(hours=1)) == []  # once
    # a deregistered instance's checks no longer run
    assert not checks_due_ids(now=start + timedelta(hours=1))


def checks_due_ids(*, now):
    return list(
        HealthCheck.objects.filter(next_run_at__lte=now, instance__deregistered_at__isnull=True).values_list(
            "pk", flat=True
        )
    )


def test_configuration_is_never_deregistered_and_a_recovered_instance_is_not():
    config = registry_register(
        service="database", kind="database", instance_id="db", checks=[CheckSpec(name="sql", kind="sql")]
    )
    recovered = _instance()
    start = timezone.now()
    check_result_record(check=config.checks.get(), probe=CRITICAL, now=start)
    check_result_record(check=recovered.checks.get(name="a"), probe=CRITICAL, now=start)
    check_result_record(check=recovered.checks.get(name="a"), probe=PASSING, now=start + timedelta(seconds=60))

    assert instances_deregister_critical(now=start + timedelta(days=1)) == []


def test_a_deregistered_process_comes_back_only_with_a_newer_heartbeat():
    start = timezone.now()
    instance = _instance(heartbeat_at=start)
    check_result_record(check=instance.checks.get(name="a"), probe=CRITICAL, now=start)
    instances_deregister_critical(now=start + timedelta(seconds=600))

    _instance(heartbeat_at=start)  # the old announcement again
    instance.refresh_from_db()
    assert instance.deregistered_at is not None

    _instance(heartbeat_at=start + timedelta(seconds=700))  # it restarted and announced itself
    instance.refresh_from_db()
    assert (instance.deregistered_at, instance.status, instance.critical_since) == (None, "critical", None)
    assert AuditEvent.objects.filter(action="integration.registry_instance_registered").count() == 2


def test_old_results_are_pruned_and_state_changes_kept(settings):
    settings.REGISTRY_RESULT_RETENTION_HOURS = 48
    check = _instance().checks.get(name="a")
    now = timezone.now()
    check_result_record(check=check, probe=CRITICAL, now=now - timedelta(hours=49))
    check_result_record(check=check, probe=PASSING, now=now - timedelta(hours=1))

    assert results_prune(now=now) == 1
    assert list(CheckResult.objects.values_list("status", flat=True)) == ["passing"]
    assert CheckTransition.objects.filter(check_ref=check).count() == 2


def test_each_check_runs_at_its_own_interval():
    port = dead_port()
    instance = registry_register(
        service="probe",
        kind="other",
        instance_id="one",
        checks=[
            CheckSpec(name="fast", kind="tcp", target={"host": "127.0.0.1", "port": port}, interval_seconds=10),
            CheckSpec(name="slow", kind="tcp", target={"host": "127.0.0.1", "port": port}, interval_seconds=60),
        ],
    )
    start = timezone.now()
    assert checks_run_due(now=start) == {"critical": 2}
    assert checks_run_due(now=start + timedelta(seconds=5)) == {}
    assert checks_run_due(now=start + timedelta(seconds=10)) == {"critical": 1}
    assert checks_run_due(now=start + timedelta(seconds=60)) == {"critical": 2}
    runs = {check.name: check.results.count() for check in instance.checks.all()}
    assert runs == {"fast": 3, "slow": 2}


def test_the_sync_registers_the_infrastructure_the_webhook_upstreams_and_the_announced_processes(tenant):
    WebhookEndpoint.objects.create(
        name="a", tenant=tenant, url="https://hooks.example.com/t/SECRET-TOKEN", secret="whsec_x"
    )
    WebhookEndpoint.objects.create(name="b", tenant=tenant, url="https://hooks.example.com/other", secret="whsec_y")
    WebhookEndpoint.objects.create(
        name="off", tenant=tenant, url="https://off.example.com/", secret="whsec_z", is_active=False
    )
    now = time.time()
    announce(this_process(service="web", kind="web", instance_id="web-1:10", address="127.0.0.1:8000"), now=now)
    announce(
        this_process(service="worker", kind="worker", instance_id="celery@w1", queues=["grading", "urgent"]), now=now
    )
    announce(this_process(service="beat", kind="beat", instance_id="beat"), now=now)
    announce(this_process(service="web", kind="web", instance_id="ancient:1"), now=now - 86_400)

    registry_sync(now=now)

    services = {s.name: (s.kind, s.is_critical) for s in Service.objects.all()}
    assert services == {
        "database": ("database", True),
        "redis": ("cache", True),
        "broker": ("broker", True),
        "webhook.hooks.example.com": ("webhook", False),
        "web": ("web", False),
        "worker.grading": ("worker", False),
        "worker.urgent": ("worker", False),
        "beat": ("beat", False),
    }
    webhook = ServiceInstance.objects.get(service__name="webhook.hooks.example.com")
    assert (webhook.instance_id, webhook.address, webhook.meta) == (
        "https://hooks.example.com:443",
        "hooks.example.com:443",
        {"endpoints": 2},
    )
    assert list(webhook.checks.values_list("kind", "is_guarded")) == [("tcp", True)]
    web = ServiceInstance.objects.get(service__name="web")
    assert (web.instance_id, web.address, web.source) == ("web-1:10", "127.0.0.1:8000", "announced")
    assert web.pid and web.host and web.version and web.started_at and web.last_heartbeat_at
    assert sorted(web.checks.values_list("kind", "target")) == [
        ("http", {"url": "http://127.0.0.1:8000/healthz"}),
        ("ttl", {"key": "web/web-1:10", "ttl_seconds": 45}),
    ]
    worker = ServiceInstance.objects.get(service__name="worker.grading")
    assert worker.queues == ["grading", "urgent"]
    assert ("celery_ping", {"node": "celery@w1"}) in list(worker.checks.values_list("kind", "target"))
    redis_instance = ServiceInstance.objects.get(service__name="redis")
    assert redis_instance.instance_id == settings.REDIS_URL.removeprefix("redis://")  # host:port/index
    stored = str(list(ServiceInstance.objects.values("address", "meta", "tags"))) + str(
        list(HealthCheck.objects.values("target"))
    )
    assert "SECRET-TOKEN" not in stored and "whsec" not in stored  # hosts only, never paths or secrets

    registry_sync(now=now + 1)  # a refresh registers nothing new
    assert ServiceInstance.objects.count() == 8
    assert AuditEvent.objects.filter(action="integration.registry_instance_registered").count() == 8
    assert "web/ancient:1" in announcements()  # left alone, and never registered


def test_a_check_claimed_by_an_overlapping_sweep_runs_once():
    check = registry_register(
        service="probe",
        kind="other",
        instance_id="one",
        checks=[CheckSpec(name="tcp", kind="tcp", target={"host": "127.0.0.1", "port": dead_port()})],
    ).checks.get()
    now = timezone.now()
    stale_view = list(HealthCheck.objects.filter(pk=check.pk))  # what a second sweep read a moment ago
    assert checks_run_due(now=now) == {"critical": 1}

    assert _claim(stale_view[0], now=now) is False
    assert check.results.count() == 1


def test_the_registry_jobs_are_on_beat_schedule():
    declared = {entry["task"]: entry["every_seconds"] for entry in declared_schedules()}
    assert declared["apps.integration.registry.tasks.registry_sync_task"] == 15
    assert declared["apps.integration.registry.tasks.registry_checks_run_task"] == 10
    assert declared["apps.integration.registry.tasks.registry_maintain_task"] == 60
    assert declared["apps.integration.registry.tasks.registry_beat_heartbeat_task"] == 10


def test_an_upstream_with_mirrors_is_registered_by_the_area_that_owns_it(httpserver):
    httpserver.expect_request("/health").respond_with_data("ok")
    healthy, dead = httpserver.url_for("/v1/results"), f"http://127.0.0.1:{dead_port()}/v1/results"

    upstream_register(name="feed.scores", kind="feed", urls=[healthy, dead], health_path="/health")
    checks_run_due()

    statuses = dict(ServiceInstance.objects.filter(service__name="feed.scores").values_list("instance_id", "status"))
    assert statuses == {
        f"http://{httpserver.host}:{httpserver.port}": "passing",
        dead.removesuffix("/v1/results"): "critical",
    }
    assert all(HealthCheck.objects.filter(instance__service__name="feed.scores").values_list("is_guarded", flat=True))


def test_feed_sources_become_one_instance_per_mirror_without_paths():
    sources = [("scores", ["https://feed.example.com/v1?token=abc", "https://mirror.example.net:8443/v1"])]
    registrations = list(feed_registrations(sources))
    assert [(r.service, r.instance_id, r.values["address"]) for r in registrations] == [
        ("feed.scores", "https://feed.example.com:443", "feed.example.com:443"),
        ("feed.scores", "https://mirror.example.net:8443", "mirror.example.net:8443"),
    ]
    assert all(r.checks[0].is_guarded and r.checks[0].kind == "tcp" for r in registrations)


def test_the_sync_registers_each_enabled_feed_sources_mirrors_and_not_a_disabled_ones():
    FeedSource.objects.create(name="scores", base_urls=["https://feed.example.com/v1", "https://mirror.example.net/v1"])
    FeedSource.objects.create(name="paused", base_urls=["https://paused.example.org/v1"], is_enabled=False)

    registry_sync()

    instances = set(
        ServiceInstance.objects.filter(service__name__startswith="feed.").values_list("service__name", "instance_id")
    )
    assert instances == {
        ("feed.scores", "https://feed.example.com:443"),
        ("feed.scores", "https://mirror.example.net:443"),
    }
