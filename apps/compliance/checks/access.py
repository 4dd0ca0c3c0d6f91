"""Access checks: MFA on privileged accounts, idle staff accounts, API key rotation and expiry."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.models import ApiKey
from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import Severity
from apps.compliance.services.remediation import staff_users_deactivate

EVIDENCE_ID_LIMIT = 200  # ids listed in evidence; the count is always exact

# the staff roles whose accounts must have a second factor, besides superusers (their group names)
PRIVILEGED_ROLE_GROUPS = [StaffRole.COMPLIANCE_OFFICER.label, StaffRole.SECURITY_ANALYST.label]


def privileged_users():
    """Active superusers, and active staff in a compliance or security role."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(is_staff=True, groups__name__in=PRIVILEGED_ROLE_GROUPS))
        .distinct()
    )


@register_check(
    id="access.privileged_mfa",
    title="Privileged accounts have a confirmed TOTP device",
    severity=Severity.CRITICAL,
    frequency_minutes=15,
    requirements=[
        "pci_dss:8.4.2",
        "soc2:CC6.1",
        "hipaa:164.312(d)",
        "iso27001:A.8.5",
        "nist_csf:PR.AA-03",
        "sox_itgc:AC-03",
        "gdpr:Art.32(1)(b)",
        "ccpa:1798.100(e)",
        "betting_integrity:BI-5.2",
    ],
)
def privileged_mfa(now: datetime) -> CheckResult:
    users = privileged_users()
    with_device = set(TOTPDevice.objects.filter(confirmed=True, user__in=users).values_list("user_id", flat=True))
    rows = list(users.order_by("pk").values_list("pk", "username", "is_superuser"))
    missing = [{"user_id": pk, "username": name, "superuser": su} for pk, name, su in rows if pk not in with_device]
    evidence = {
        "privileged_users": len(rows),
        "without_confirmed_totp": len(missing),
        "users": missing[:EVIDENCE_ID_LIMIT],
        "roles_checked": ["superuser", *PRIVILEGED_ROLE_GROUPS],
    }
    if missing:
        return CheckResult.failed(
            f"{len(missing)} of {len(rows)} privileged accounts have no confirmed TOTP", **evidence
        )
    return CheckResult.passed(f"all {len(rows)} privileged accounts have a confirmed TOTP device", **evidence)


def idle_staff(now: datetime):
    cutoff = now - timedelta(days=settings.COMPLIANCE_STAFF_IDLE_DAYS)
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
    )


def deactivate_idle_staff(result: CheckResult) -> dict:
    """Remediation: deactivate the idle accounts the run found (audited, through the compliance service)."""
    user_ids = [row["user_id"] for row in result.evidence.get("users", [])]
    return {"deactivated_user_ids": staff_users_deactivate(user_ids=user_ids, reason="idle past the policy")}


@register_check(
    id="access.idle_staff",
    title="Staff accounts idle for 90 days are deactivated",
    severity=Severity.MEDIUM,
    frequency_minutes=24 * 60,
    requirements=[
        "pci_dss:8.2.6",
        "soc2:CC6.2",
        "hipaa:164.308(a)(3)(ii)(C)",
        "iso27001:A.5.18",
        "nist_csf:PR.AA-05",
        "sox_itgc:AC-04",
    ],
    remediation=deactivate_idle_staff,
)
def staff_idle(now: datetime) -> CheckResult:
    rows = list(idle_staff(now).order_by("pk").values_list("pk", "username", "last_login"))
    evidence = {
        "idle_days": settings.COMPLIANCE_STAFF_IDLE_DAYS,
        "idle_active_staff": len(rows),
        "users": [
            {"user_id": pk, "username": name, "last_login": last.isoformat() if last else None}
            for pk, name, last in rows[:EVIDENCE_ID_LIMIT]
        ],
    }
    if rows:
        return CheckResult.failed(
            f"{len(rows)} staff accounts idle {evidence['idle_days']}+ days are active", **evidence
        )
    return CheckResult.passed("no active staff account is idle past the policy", **evidence)


@register_check(
    id="access.api_key_rotation",
    title="API keys are rotated and platform keys expire",
    severity=Severity.HIGH,
    frequency_minutes=60,
    requirements=[
        "pci_dss:8.6.3",
        "pci_dss:8.3.9",
        "soc2:CC6.1",
        "iso27001:A.5.17",
        "nist_csf:PR.AA-01",
        "sox_itgc:AC-05",
    ],
)
def api_key_rotation(now: datetime) -> CheckResult:
    max_age = settings.COMPLIANCE_API_KEY_MAX_AGE_DAYS
    usable = ApiKey.objects.usable(now=now)
    too_old = list(usable.filter(created_at__lt=now - timedelta(days=max_age)).values_list("prefix", flat=True))
    no_expiry = list(usable.filter(tenant__isnull=True, expires_at__isnull=True).values_list("prefix", flat=True))
    evidence = {
        "max_age_days": max_age,
        "usable_keys": usable.count(),
        "past_rotation_age": sorted(too_old)[:EVIDENCE_ID_LIMIT],
        "past_rotation_age_count": len(too_old),
        "platform_keys_without_expiry": sorted(no_expiry)[:EVIDENCE_ID_LIMIT],
        "platform_keys_without_expiry_count": len(no_expiry),
    }
    if too_old or no_expiry:
        return CheckResult.failed(
            f"{len(too_old)} keys past {max_age} days, {len(no_expiry)} platform keys without expiry", **evidence
        )
    return CheckResult.passed(f"all {evidence['usable_keys']} usable keys are within policy", **evidence)
