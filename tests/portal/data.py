"""Rows for the portal's pages, made through each app's services (as the live system makes them)."""

from apps.accounts.services import member_create
from apps.betting.services import capper_create
from apps.compliance.models import AlertRule, CheckRun
from apps.compliance.services.alerts import alert_raise as compliance_alert_raise
from apps.compliance.services.runs import checks_run, evidence_digest
from apps.core.actors import Actor
from apps.fraud.choices import FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.services import fraud_case_record
from apps.privacy.services.requests import request_receive
from apps.security.models import DetectionRule
from apps.security.services import security_event_record
from apps.security.services.alerts import alert_raise
from apps.tenants.services import tenant_create

ACTOR = Actor.system("portal tests")
MFA_CHECK = "access.privileged_mfa"


def security_alerts(count: int, start: int = 0) -> list:
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    alerts = []
    for number in range(start, start + count):
        event = security_event_record(
            event_type="login_failed",
            actor=Actor(
                kind="system", identifier="anonymous", label=f"u{number}", ip_address=f"198.51.100.{number % 250}"
            ),
            details={"username": f"u{number}"},
        )
        alerts.append(alert_raise(rule=rule, group_key=f"u{number}", events=[event], details={"measure": number})[0])
    return alerts


def members(count: int, start: int = 0) -> list:
    rows = []
    for number in range(start, start + count):
        tenant = tenant_create(actor=ACTOR, guild_id=str(700000000000000000 + number), name=f"Portal Guild {number}")
        rows.append(
            member_create(
                actor=ACTOR, tenant=tenant, discord_user_id=str(800000000000000000 + number), username=f"m{number}"
            )
        )
    return rows


def fraud_cases(count: int, start: int = 0) -> list:
    cases = []
    for member in members(count, start):
        capper = capper_create(
            tenant=member.tenant, actor=ACTOR, discord_user_id=member.discord_user_id, username=member.username
        )
        finding = Finding(FraudKind.LATE_POSTING, (capper.pk,), 0.8, "Posted after the start.", {"late": 3})
        cases.append(fraud_case_record(finding=finding, actor=ACTOR)[0])
    return cases


def data_subject_requests(count: int, start: int = 0) -> list:
    return [request_receive(actor=ACTOR, member=member, kind="access") for member in members(count, start + 10_000)]


def compliance_alerts(count: int, start: int = 0) -> list:
    rule, _ = AlertRule.objects.get_or_create(name="portal tests", defaults={"condition": "check_failed"})
    return [
        compliance_alert_raise(
            rule=rule, subject=f"check:test.{number}", summary=f"Check {number} failed", details={}, actor=ACTOR
        )[0]
        for number in range(start, start + count)
    ]


# cheap checks that give the dashboard a realistic mix of passing and failing (the screenshots)
BASELINE_CHECKS = [
    "access.api_key_rotation",
    "access.idle_staff",
    "audit.chain_intact",
    "data.key_rotation",
    "monitoring.detectors_running",
    "platform.password_session_policy",
    "privacy.requests_overdue",
    "security.bruteforce_rules_enabled",
    MFA_CHECK,
]


def run_baseline_checks() -> list:
    return [checks_run(check_id=check_id, trigger="manual").runs[0] for check_id in BASELINE_CHECKS]


def run_mfa_check():
    return checks_run(check_id=MFA_CHECK, trigger="manual").runs[0]


def stored_check_run(check_id: str, status: str, requirements: list[str], *, finished_at) -> CheckRun:
    """A run as the runner stores it, finished at `finished_at` (the history reads the runs day by day)."""
    evidence = {"check": check_id}
    return CheckRun.objects.create(
        check_id=check_id,
        check_version="1",
        severity="high",
        status=status,
        summary=f"{check_id}: {status}",
        requirements=requirements,
        evidence=evidence,
        evidence_sha256=evidence_digest(evidence),
        started_at=finished_at,
        finished_at=finished_at,
        trigger="manual",
    )
