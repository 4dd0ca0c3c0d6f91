"""Monitoring checks: brute-force detection switched on, alerts and fraud cases triaged within their
SLA, and the integrity detectors running on schedule."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import EvidenceKind, Severity
from apps.compliance.models import EvidenceItem
from apps.fraud.choices import CaseStatus
from apps.fraud.models import FraudCase
from apps.security.choices import AlertStatus, SecurityEventType
from apps.security.models import Alert, DetectionRule

EVIDENCE_ID_LIMIT = 200
# a scheduled detector counts as running when it ran within this many of its intervals
SCHEDULE_SLACK = 2


@register_check(
    id="security.bruteforce_rules_enabled",
    title="Rules that detect repeated failed logins are enabled",
    severity=Severity.HIGH,
    frequency_minutes=15,
    requirements=[
        "pci_dss:8.3.4",
        "pci_dss:10.2.4",
        "soc2:CC7.2",
        "hipaa:164.308(a)(5)(ii)(C)",
        "iso27001:A.8.16",
        "nist_csf:DE.CM-01",
    ],
)
def bruteforce_rules(now: datetime) -> CheckResult:
    # every rule that counts failed logins (brute force, credential stuffing, password spraying)
    rules = [
        rule
        for rule in DetectionRule.objects.order_by("slug")
        if SecurityEventType.LOGIN_FAILED in (rule.definition or {}).get("event_types", [])
    ]
    disabled = [rule.slug for rule in rules if not rule.is_enabled]
    lockout = bool(getattr(settings, "AXES_ENABLED", True)) and getattr(settings, "AXES_FAILURE_LIMIT", 0) > 0
    evidence = {
        "login_failure_rules": [{"slug": r.slug, "enabled": r.is_enabled, "version": r.version} for r in rules],
        "disabled": disabled,
        "axes_lockout_enabled": lockout,
        "axes_failure_limit": getattr(settings, "AXES_FAILURE_LIMIT", None),
    }
    if not rules or disabled or not lockout:
        return CheckResult.failed(
            f"{len(disabled)} of {len(rules)} failed-login rules disabled; lockout {'on' if lockout else 'off'}",
            **evidence,
        )
    return CheckResult.passed(f"all {len(rules)} failed-login rules enabled and lockout on", **evidence)


@register_check(
    id="security.triage_sla",
    title="High alerts and fraud cases are triaged within their SLA",
    severity=Severity.HIGH,
    frequency_minutes=15,
    requirements=[
        "soc2:CC7.3",
        "soc2:CC7.4",
        "pci_dss:12.10.5",
        "pci_dss:10.7.2",
        "iso27001:A.5.25",
        "iso27001:A.5.26",
        "nist_csf:DE.AE-02",
        "nist_csf:RS.MA-02",
        "hipaa:164.308(a)(6)(ii)",
        "betting_integrity:BI-3.2",
    ],
)
def triage_sla(now: datetime) -> CheckResult:
    alert_filter = Q(pk__in=[])
    for severity, hours in settings.COMPLIANCE_ALERT_TRIAGE_SLA_HOURS.items():
        alert_filter |= Q(severity=severity, first_seen_at__lt=now - timedelta(hours=hours))
    alerts = list(
        Alert.objects.filter(alert_filter, status=AlertStatus.NEW).order_by("pk").values_list("pk", "severity")
    )
    case_hours = settings.COMPLIANCE_FRAUD_CASE_TRIAGE_SLA_HOURS
    cases = list(
        FraudCase.objects.filter(status=CaseStatus.NEW, first_detected_at__lt=now - timedelta(hours=case_hours))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    evidence = {
        "alert_sla_hours": settings.COMPLIANCE_ALERT_TRIAGE_SLA_HOURS,
        "fraud_case_sla_hours": case_hours,
        "untriaged_alert_count": len(alerts),
        "untriaged_alerts": [{"alert_id": pk, "severity": severity} for pk, severity in alerts[:EVIDENCE_ID_LIMIT]],
        "untriaged_fraud_case_count": len(cases),
        "untriaged_fraud_case_ids": cases[:EVIDENCE_ID_LIMIT],
    }
    if alerts or cases:
        return CheckResult.failed(f"{len(alerts)} alerts and {len(cases)} fraud cases untriaged past SLA", **evidence)
    return CheckResult.passed("every high alert and fraud case was triaged within its SLA", **evidence)


DETECTOR_TASKS = {
    "apps.fraud.tasks.fraud_scan_task": "FRAUD_SCAN_INTERVAL_SECONDS",
    "apps.security.tasks.security_correlate_task": "SECURITY_CORRELATION_INTERVAL_SECONDS",
}


@register_check(
    id="monitoring.detectors_running",
    title="Integrity and security detectors run on schedule",
    severity=Severity.MEDIUM,
    frequency_minutes=60,
    requirements=["betting_integrity:BI-3.1", "soc2:CC7.2", "nist_csf:DE.CM-03", "hipaa:164.308(a)(1)(ii)(D)"],
)
def detectors_running(now: datetime) -> CheckResult:
    jobs = {job.task: job for job in PeriodicTask.objects.filter(task__in=list(DETECTOR_TASKS))}
    rows, problems = [], []
    for task, setting in DETECTOR_TASKS.items():
        interval = getattr(settings, setting)
        job = jobs.get(task)
        last_evidence = (
            EvidenceItem.objects.filter(kind=EvidenceKind.DETECTOR_RUN, source=task)
            .order_by("-collected_at")
            .values_list("pk", "collected_at")
            .first()
        )
        last_runs = [time for time in (job.last_run_at if job else None, last_evidence and last_evidence[1]) if time]
        last_run = max(last_runs) if last_runs else None
        on_time = last_run is not None and last_run >= now - timedelta(seconds=SCHEDULE_SLACK * interval)
        rows.append(
            {
                "task": task,
                "scheduled": bool(job and job.enabled),
                "interval_seconds": interval,
                "last_run_at": last_run.isoformat() if last_run else None,
                "last_evidence_id": last_evidence[0] if last_evidence else None,
            }
        )
        if not (job and job.enabled):
            problems.append(f"{task.rsplit('.', 1)[-1]} not scheduled")
        elif not on_time:
            problems.append(f"{task.rsplit('.', 1)[-1]} has not run in {SCHEDULE_SLACK} intervals")
    evidence = {"detectors": rows}
    if problems:
        return CheckResult.failed("; ".join(problems), **evidence)
    return CheckResult.passed(f"{len(rows)} detectors scheduled and ran on time", **evidence)
