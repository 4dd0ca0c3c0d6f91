"""Data-protection checks: key rotation, classification and encryption of personal fields, retention,
and data-subject requests.

The keyring and privacy apps are built alongside this one: each check imports what it needs inside
the function, so a missing module makes that check report "error" naming it instead of breaking the
registry.
"""

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings

from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import Severity
from apps.core.personal_data import ENCRYPTED_CLASSES, personal_models, undeclared_fields

EVIDENCE_ID_LIMIT = 200


def _missing(what: str, error: Exception) -> CheckResult:
    return CheckResult.error(f"{what} is not available yet ({error})", missing=what, exception=type(error).__name__)


def _plain(value):
    """JSON-safe evidence from whatever a selector returns (dataclasses, datetimes, querysets)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


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
    try:
        from apps.keyring.choices import DataKeyStatus
        from apps.keyring.models import DataKey
    except ImportError as error:
        return _missing("apps.keyring.models", error)
    rotation_days = getattr(settings, "DBSBM_KEY_ROTATION_DAYS", 90)
    keys = list(DataKey.objects.order_by("version").values("version", "status", "created_at", "activated_at"))
    active = [key for key in keys if key["status"] == DataKeyStatus.ACTIVE]
    evidence = {
        "rotation_days": rotation_days,
        "keys": [{"version": k["version"], "status": k["status"]} for k in keys],
    }
    problems = []
    if active:
        started = active[0]["activated_at"] or active[0]["created_at"]
        age_days = round((now - started).total_seconds() / 86400, 2)
        evidence["active_version"] = active[0]["version"]
        evidence["active_age_days"] = age_days
        if age_days > rotation_days:
            problems.append(f"active key v{active[0]['version']} is {age_days:.0f} days old")
    else:
        evidence["active_version"] = None
    try:
        from apps.keyring.selectors import key_ring_status
    except ImportError as error:
        evidence["row_counts"] = None
        return CheckResult.error(f"apps.keyring.selectors.key_ring_status is not available yet ({error})", **evidence)
    status = _plain(key_ring_status())
    evidence["key_ring_status"] = status
    retired_rows = _rows_on_retired_keys(status, {k["version"] for k in keys if k["status"] == DataKeyStatus.RETIRED})
    evidence["rows_on_retired_keys"] = retired_rows
    if retired_rows:
        problems.append(f"{retired_rows} rows still encrypted with retired keys")
    if problems:
        return CheckResult.failed("; ".join(problems), **evidence)
    if not active:
        return CheckResult.not_applicable("no data key exists yet (nothing is encrypted)", **evidence)
    return CheckResult.passed(f"active key v{evidence['active_version']} is within {rotation_days} days", **evidence)


def _rows_on_retired_keys(status, retired_versions: set[int]) -> int:
    """Rows per key version from the keyring's status ({"rows_by_version": {v: n}} or per-key rows)."""
    if not isinstance(status, dict):
        return 0
    if isinstance(status.get("rows_on_retired_keys"), int):
        return status["rows_on_retired_keys"]
    by_version = status.get("rows_by_version") or {}
    if isinstance(by_version, dict):
        return sum(int(count) for version, count in by_version.items() if int(version) in retired_versions)
    return 0


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
    try:
        from apps.keyring.fields import is_encrypted_field
    except ImportError as error:
        return _missing("apps.keyring.fields.is_encrypted_field", error)
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
    try:
        from apps.privacy.selectors import kinds_without_policy, last_successful_run
    except ImportError as error:
        return _missing("apps.privacy.selectors (kinds_without_policy, last_successful_run)", error)
    max_age = settings.COMPLIANCE_RETENTION_RUN_MAX_AGE_HOURS
    missing = sorted(kinds_without_policy())
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
    try:
        from apps.privacy.choices import OPEN_REQUEST_STATUSES
        from apps.privacy.models import DataSubjectRequest
    except ImportError as error:
        return _missing("apps.privacy.models.DataSubjectRequest", error)
    try:
        from apps.privacy.selectors import overdue_requests

        overdue = overdue_requests()
    except ImportError:
        overdue = DataSubjectRequest.objects.filter(status__in=list(OPEN_REQUEST_STATUSES), due_at__lt=now)
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
