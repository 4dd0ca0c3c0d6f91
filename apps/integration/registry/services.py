"""Every state change of the registry: register an instance (with its checks), record a check's result
(a state change once, not every run), deregister what stayed critical too long, prune old results.

`registry_register` is the one function other areas call to put something in the registry (a feed's
upstreams, for example: see `upstream_register`); beat's sync calls it for what it discovers.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.integration.models import CheckResult, CheckTransition, HealthCheck, Service, ServiceInstance
from apps.integration.registry.choices import STATUS_SEVERITY, CheckKind, CheckStatus, InstanceSource, ServiceKind
from apps.integration.registry.heartbeats import announcement_forget
from apps.integration.registry.runners import Probe

REGISTRY_ACTOR = Actor.system("registry")


@dataclass(frozen=True)
class CheckSpec:
    """A check to register: `target` names what to probe (never a secret; see runners.py)."""

    name: str
    kind: str
    target: dict = field(default_factory=dict)
    interval_seconds: int | None = None
    timeout_seconds: int | None = None
    is_guarded: bool = False


def _check_upsert(instance: ServiceInstance, spec: CheckSpec, *, now: datetime) -> None:
    values = {
        "kind": CheckKind(spec.kind),
        "target": spec.target,
        "is_guarded": spec.is_guarded,
        "interval_seconds": spec.interval_seconds or settings.REGISTRY_CHECK_INTERVAL_SECONDS,
        "timeout_seconds": spec.timeout_seconds or settings.REGISTRY_CHECK_TIMEOUT_SECONDS,
    }
    check, created = HealthCheck.objects.get_or_create(
        instance=instance, name=spec.name, defaults={**values, "next_run_at": now, "status_changed_at": now}
    )
    if not created and any(getattr(check, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(check, name, value)
        check.save(update_fields=list(values))


@transaction.atomic
def registry_register(
    *,
    service: str,
    kind: str,
    instance_id: str,
    checks: Sequence[CheckSpec] = (),
    source: str = InstanceSource.REGISTERED,
    is_critical: bool = False,
    address: str = "",
    version: str = "",
    git_commit: str = "",
    host: str = "",
    pid: int | None = None,
    queues: Sequence[str] = (),
    tags: Sequence[str] = (),
    meta: dict | None = None,
    started_at: datetime | None = None,
    heartbeat_at: datetime | None = None,
    deregister_critical_after_seconds: int | None = None,
    now: datetime | None = None,
) -> ServiceInstance:
    """Register (or refresh) a service instance and its checks; checks it no longer declares are removed.
    A new registration, or the return of a deregistered instance, is audited; a refresh is not. A
    deregistered process comes back only with a heartbeat newer than its deregistration."""
    now = now or timezone.now()
    service_row, _ = Service.objects.get_or_create(
        name=service, defaults={"kind": ServiceKind(kind), "is_critical": is_critical}
    )
    if service_row.is_critical != is_critical:
        Service.objects.filter(pk=service_row.pk).update(is_critical=is_critical)
    values = {
        "address": address,
        "version": version,
        "git_commit": git_commit,
        "host": host,
        "pid": pid,
        "queues": list(queues),
        "tags": list(tags),
        "meta": meta or {},
        "source": InstanceSource(source),
        "started_at": started_at,
        "deregister_critical_after_seconds": deregister_critical_after_seconds,
    }
    if heartbeat_at is not None:
        values["last_heartbeat_at"] = heartbeat_at
    instance = ServiceInstance.objects.select_for_update().filter(service=service_row, instance_id=instance_id).first()
    deregistered_at = instance.deregistered_at if instance is not None else None
    if deregistered_at is not None and heartbeat_at is not None and heartbeat_at <= deregistered_at:
        return instance  # its last word came before its deregistration: it has not come back
    is_new = instance is None or instance.deregistered_at is not None
    if instance is None:
        instance = ServiceInstance(service=service_row, instance_id=instance_id, registered_at=now)
    if is_new:
        values.update(registered_at=now, deregistered_at=None, deregistered_reason="", status_changed_at=now)
        values.update(status=CheckStatus.CRITICAL, critical_since=None)  # Consul's rule: unproven is critical
    for name, value in values.items():
        setattr(instance, name, value)
    instance.save()
    for spec in checks:
        _check_upsert(instance, spec, now=now)
    instance.checks.exclude(name__in=[spec.name for spec in checks]).delete()
    if is_new:
        audit_record(
            actor=REGISTRY_ACTOR,
            action="integration.registry_instance_registered",
            target=instance,
            changes={"service": service, "instance": instance_id, "address": address, "source": str(source)},
        )
    return instance


def upstream_register(*, name: str, kind: str, urls: Sequence[str], health_path: str = "", expected_status: int = 200):
    """Register an upstream with several endpoints (a feed's mirrors): one instance per scheme://host:port,
    each with a guarded HTTP check of `health_path` (or the URL itself). For the areas that own upstreams."""
    instances = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        probe_url = origin + (health_path or parts.path or "/")
        target = {"url": probe_url, "expected_status": expected_status}
        check = CheckSpec(name="http", kind=CheckKind.HTTP, target=target, is_guarded=True)
        instances.append(registry_register(service=name, kind=kind, instance_id=origin, address=origin, checks=[check]))
    return instances


def _worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=lambda status: STATUS_SEVERITY[CheckStatus(status)])


@transaction.atomic
def check_result_record(*, check: HealthCheck, probe: Probe, now: datetime | None = None) -> CheckResult:
    """Store one run; on a change of status also a transition, and the instance's summed-up status (the
    worst of its checks that have run; `critical_since` starts when it turns critical)."""
    now = now or timezone.now()
    # the instance first, then the check: the order registry_register locks them in (no deadlock with a sync)
    instance = ServiceInstance.objects.select_for_update().get(pk=check.instance_id)
    check = HealthCheck.objects.select_for_update().get(pk=check.pk)
    result = CheckResult.objects.create(
        check_ref=check, status=probe.status, output=probe.output, duration_ms=probe.duration_ms, created_at=now
    )
    if check.last_run_at is None or check.status != probe.status:
        CheckTransition.objects.create(
            check_ref=check,
            from_status="" if check.last_run_at is None else check.status,
            to_status=probe.status,
            output=probe.output,
            created_at=now,
        )
        check.status_changed_at = now
    check.status, check.output, check.duration_ms = probe.status, probe.output, probe.duration_ms
    check.last_run_at, check.next_run_at = now, now + timedelta(seconds=check.interval_seconds)
    check.save()
    _instance_status_update(instance, now=now)
    return result


def _instance_status_update(instance: ServiceInstance, *, now: datetime) -> None:
    """The instance (locked by the caller) takes the worst status of its checks that have run."""
    statuses = list(instance.checks.filter(last_run_at__isnull=False).values_list("status", flat=True))
    status = _worst(statuses) if statuses else instance.status
    if status == instance.status and (status != CheckStatus.CRITICAL or instance.critical_since is not None):
        return
    if status != instance.status:
        instance.status_changed_at = now
    instance.status = status
    instance.critical_since = (instance.critical_since or now) if status == CheckStatus.CRITICAL else None
    instance.save(update_fields=["status", "status_changed_at", "critical_since"])


def instances_deregister_critical(*, now: datetime | None = None) -> list[ServiceInstance]:
    """Deregister every instance critical for longer than its period (Consul's
    deregister_critical_service_after): its rows and history stay, marked, and each is audited."""
    now = now or timezone.now()
    candidates = ServiceInstance.objects.filter(
        deregistered_at__isnull=True, critical_since__isnull=False, deregister_critical_after_seconds__isnull=False
    ).select_related("service")
    overdue = [
        instance
        for instance in candidates
        if instance.critical_since + timedelta(seconds=instance.deregister_critical_after_seconds) <= now
    ]
    return [instance for instance in overdue if _deregister(instance_id=instance.pk, now=now)]


@transaction.atomic
def _deregister(*, instance_id: int, now: datetime) -> ServiceInstance | None:
    instance = ServiceInstance.objects.select_for_update().select_related("service").get(pk=instance_id)
    if instance.deregistered_at is not None or instance.critical_since is None:
        return None  # another run got there first, or it recovered meanwhile
    critical_for = int((now - instance.critical_since).total_seconds())
    instance.deregistered_at = now
    limit = instance.deregister_critical_after_seconds
    instance.deregistered_reason = f"critical for {critical_for} s (limit {limit} s)"
    instance.save(update_fields=["deregistered_at", "deregistered_reason"])
    audit_record(
        actor=REGISTRY_ACTOR,
        action="integration.registry_instance_deregistered",
        target=instance,
        changes={"service": instance.service.name, "instance": instance.instance_id},
        reason=instance.deregistered_reason,
    )
    key = f"{instance.meta.get('announcement', '')}"
    if key:
        transaction.on_commit(lambda: announcement_forget(key))
    return instance


def results_prune(*, now: datetime | None = None) -> int:
    """Delete check results older than REGISTRY_RESULT_RETENTION_HOURS; the number deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.REGISTRY_RESULT_RETENTION_HOURS)
    deleted, _ = CheckResult.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def unix_to_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)
