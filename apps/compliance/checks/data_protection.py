"""Data-protection checks: key rotation, classification and encryption of personal fields, retention,
and data-subject requests."""

from datetime import datetime, timedelta

from django.conf import settings

from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import Severity
from apps.core.personal_data import ENCRYPTED_CLASSES, personal_models, undeclared_fields
from apps.keyring.fields import is_encrypted_field
from apps.keyring.selectors import key_ring_status
from apps.privacy.choices import OPEN_REQUEST_STATUSES
from apps.privacy.models import DataSubjectRequest
from apps.privacy.selectors.requests import overdue_requests
from apps.privacy.selectors.retention import kinds_without_policy, last_successful_run

EVIDENCE_ID_LIMIT = 200


@register_check(
    id="data.key_rotation",
    title="Encryption keys are rotated and no rows stay on retired keys",
    severity=Severity.HIGH,
    frequency_minutes=6 * 60,
    requirements=[
        "pci_dss:3.6.1",
        "pci_dss:3.7.4",
        "iso27001:A.8.24",
        "nist_csf:PR.DS-01",
        "hipaa:164.312(a)(2)(iv)",
        "gdpr:Art.32(1)(a)",
        "soc2:CC6.7",
    ],
)
def key_rotation(now: datetime) -> CheckResult:
    status = key_ring_status()
    evidence = {
        "active_version": status.active_version,
        "active_key_age_days": status.active_key_age_days,
        "rotation_period_days": status.rotation_period_days,
        "key_statuses": {str(version): state for version, state in status.statuses.items()},
        "rows_per_version": {str(version): count for version, count in status.rows_per_version.items()},
        "rows_on_retired_keys": status.rows_on_retired_keys,
        "unversioned_values": status.unversioned_values,
    }
    problems = []
    if status.active_version is not None and status.active_key_age_days > status.rotation_period_days:
        problems.append(f"active key v{status.active_version} is {status.active_key_age_days:.0f} days old")
    if status.rows_on_retired_keys:
        problems.append(f"{status.rows_on_retired_keys} values still encrypted with retired keys")
    if status.unversioned_values:
        problems.append(f"{status.unversioned_values} values in encrypted fields are not encrypted")
    if problems:
        return CheckResult.failed("; ".join(problems), **evidence)
    if status.active_version is None:
        return CheckResult.not_applicable("no data key exists yet (nothing is encrypted)", **evidence)
    return CheckResult.passed(
        f"active key v{status.active_version} is {status.active_key_age_days:.0f} of "
        f"{status.rotation_period_days} days old; no value on a retired key",
        **evidence,
    )


@register_check(
    id="data.personal_fields_protected",
    title="Personal fields are classified and restricted ones are encrypted",
    severity=Severity.HIGH,
    frequency_minutes=6 * 60,
    requirements=[
        "gdpr:Art.30",
        "gdpr:Art.32(1)(a)",
        "ccpa:1798.100(e)",
        "iso27001:A.5.12",
        "iso27001:A.5.34",
        "nist_csf:ID.AM-07",
        "pci_dss:3.5.1",
        "hipaa:164.312(a)(2)(iv)",
        "soc2:C1.1",
    ],
)
def personal_fields_protected(now: datetime) -> CheckResult:
    unclassified, unencrypted, restricted = [], [], 0
    entries = personal_models()
    for entry in entries:
        unclassified.extend(f"{entry.model_label}.{name}" for name in undeclared_fields(entry))
        for name, declared in entry.fields.items():
            if declared.data_class in ENCRYPTED_CLASSES:
                restricted += 1
                if not is_encrypted_field(entry.model._meta.get_field(name)):
                    unencrypted.append(f"{entry.model_label}.{name}")
    evidence = {
        "declared_models": len(entries),
        "declared_fields": sum(len(entry.fields) for entry in entries),
        "restricted_fields": restricted,
        "unclassified_fields": unclassified,
        "restricted_unencrypted_fields": unencrypted,
    }
    if unclassified or unencrypted:
        return CheckResult.failed(
            f"{len(unclassified)} unclassified fields, {len(unencrypted)} restricted fields unencrypted", **evidence
        )
    return CheckResult.passed(
        f"{evidence['declared_fields']} personal fields classified, {restricted} encrypted", **evidence
    )


@register_check(
    id="data.retention",
    title="Every personal data kind has a retention policy and retention runs",
    severity=Severity.MEDIUM,
    frequency_minutes=60,
    requirements=["gdpr:Art.5(1)(e)", "ccpa:1798.100(a)(3)", "iso27001:A.8.10", "soc2:C1.2", "pci_dss:3.2.1"],
)
def retention(now: datetime) -> CheckResult:
    max_age = settings.COMPLIANCE_RETENTION_RUN_MAX_AGE_HOURS
    missing = sorted(getattr(kind, "key", str(kind)) for kind in kinds_without_policy())
    last_run = last_successful_run()
    finished = getattr(last_run, "finished_at", None) or getattr(last_run, "completed_at", None)
    if finished is None and isinstance(last_run, datetime):
        finished = last_run
    evidence = {
        "kinds_without_policy": missing,
        "last_successful_run_id": getattr(last_run, "pk", None),
        "last_successful_run_at": finished.isoformat() if finished else None,
        "max_age_hours": max_age,
    }
    stale = finished is None or finished < now - timedelta(hours=max_age)
    if missing or stale:
        run_text = "no successful run" if finished is None else f"last successful run {finished:%Y-%m-%d %H:%M}"
        return CheckResult.failed(f"{len(missing)} data kinds without a policy; {run_text}", **evidence)
    return CheckResult.passed(f"all data kinds have a policy; retention ran {finished:%Y-%m-%d %H:%M}", **evidence)


@register_check(
    id="privacy.requests_overdue",
    title="Data-subject requests are answered before they are due",
    severity=Severity.HIGH,
    frequency_minutes=15,
    requirements=["gdpr:Art.12(3)", "gdpr:Art.15", "gdpr:Art.17", "ccpa:1798.130(a)(2)", "ccpa:1798.105"],
)
def requests_overdue(now: datetime) -> CheckResult:
    overdue = overdue_requests(now=now)
    rows = list(overdue.order_by("due_at").values("pk", "kind", "status", "due_at")[: EVIDENCE_ID_LIMIT + 1])
    open_count = DataSubjectRequest.objects.filter(status__in=list(OPEN_REQUEST_STATUSES)).count()
    evidence = {
        "open_requests": open_count,
        "overdue_count": overdue.count() if len(rows) > EVIDENCE_ID_LIMIT else len(rows),
        "overdue": [
            {
                "request_id": row["pk"],
                "kind": row["kind"],
                "status": row["status"],
                "due_at": row["due_at"].isoformat(),
                "days_overdue": round((now - row["due_at"]).total_seconds() / 86400, 1),
            }
            for row in rows[:EVIDENCE_ID_LIMIT]
        ],
    }
    if rows:
        return CheckResult.failed(f"{evidence['overdue_count']} data-subject requests are overdue", **evidence)
    return CheckResult.passed(f"none of {open_count} open requests is overdue", **evidence)
