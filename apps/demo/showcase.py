"""The demo story `make run` shows on top of the seeded bets (`manage.py seed_showcase`): one item of every kind
a portal page lists, each written through its app's service, so the audit trail, the live updates and the
checks see them as they would see the real thing.

Steps, each done once (a step whose result is already there is skipped, so a second run creates nothing and an
interrupted run finishes where it stopped):

1. the demo's staff: two compliance officers and a security analyst, the actors of the story (they verify,
   complete, triage). Their passwords are random and never shown: sign in with your own account
   (`create_staff`). Each enrols an authenticator through the portal's enrolment service, as staff must;
2. the planted fraud scenarios (apps/demo/fraud_loading.py) and a fraud scan that turns them into cases;
3. a scripted attack: failed logins against one account (brute force) and against many accounts from one
   address (credential stuffing), recorded as security events, which the detection rules turn into alerts;
4. an incident declared for the attack, linked to its alerts, with the attack's log as evidence and a note;
5. data-subject requests in every state (received, identity verification, in progress, completed with four
   eyes, rejected), plus one planted late request (received 35 days ago): the compliance check
   `privacy.requests_overdue` fails because of it, a failure the demo planted on purpose;
6. the compliance checks run, and a score snapshot is taken (frameworks are scored, the chart has a point);
   the slowest check, `check --deploy` (a Django start of its own), is started in the background before step 1;
7. report definitions (a compliance framework-status report and a BI report) with their first run;
8. the forecasts the shipped dashboards draw (their forecast-band widgets, for each demo tenant) and the
   insights; the other default series are left to the scheduled refresh, which the embedded scheduler runs
   in the background on its first pass after `make run` starts the server (beat, in the full configuration).
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_otp.oath import totp

from apps.accounts.choices import StaffRole
from apps.accounts.models import User
from apps.accounts.services import staff_user_create, totp_device_enrol_confirm, totp_device_enrol_start
from apps.core.actors import Actor
from apps.demo.fraud_loading import FraudPlantingError, plant_fraud
from apps.demo.world import demo_guild_ids
from apps.tenants.models import Tenant

Say = Callable[[str], None]

OFFICER, OFFICER_2, ANALYST = "demo-officer", "demo-officer-2", "demo-analyst"
DEMO_STAFF = {
    OFFICER: StaffRole.COMPLIANCE_OFFICER,
    OFFICER_2: StaffRole.COMPLIANCE_OFFICER,
    ANALYST: StaffRole.SECURITY_ANALYST,
}
ATTACK_BRUTE_FORCE_IP = "203.0.113.7"  # documentation ranges (RFC 5737): no real address is accused
ATTACK_STUFFING_IP = "198.51.100.23"
ATTACK_TARGET = "admin"
INCIDENT_TITLE = "Credential stuffing against the staff login (demo)"
LATE_REQUEST_DAYS = 35


@dataclass
class ShowcaseStep:
    name: str
    done: Callable[[], bool]
    run: Callable[[Actor], str]
    # work the step will need that can start in the background before the first step (no database writes)
    start_early: Callable[[], None] | None = None


def user_actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(kind="user", identifier=str(user.pk), label=user.get_username())


def demo_tenants() -> list[Tenant]:
    return list(Tenant.objects.filter(guild_id__in=demo_guild_ids(99)).order_by("pk"))


def run_scheduled(task: str) -> str:
    """Run a scheduled job now through the embedded scheduler (apps/core/scheduler.py), so that its beat row
    records the run as beat would (the checks that watch the schedule see it ran); the job's name."""
    from django_celery_beat.models import PeriodicTask  # noqa: PLC0415

    from apps.core.scheduler import job_run  # noqa: PLC0415

    job = PeriodicTask.objects.filter(task=task, enabled=True).order_by("pk").first()
    if job is None:  # not scheduled here: run the task itself
        import_string(task).apply(throw=True)
        return task
    job_run(job)
    return job.name


# --- 1. staff ----------------------------------------------------------------------------------------------
def _staff_done() -> bool:
    return User.objects.filter(username__in=list(DEMO_STAFF)).count() == len(DEMO_STAFF)


def _staff_run(actor: Actor) -> str:
    made = []
    for username, role in DEMO_STAFF.items():
        if User.objects.filter(username=username).exists():
            continue
        with transaction.atomic():
            # a random password nobody is told: these accounts act in the story, nobody signs in with them
            password = secrets.token_urlsafe(24)
            user = staff_user_create(actor=actor, username=username, email="", password=password, role=role)
            device = totp_device_enrol_start(user=user)
            token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"
            totp_device_enrol_confirm(device=device, token=token, actor=actor)
        made.append(f"{username} ({role.label})")
    return "staff of the story: " + ", ".join(made)


# --- 2. fraud -----------------------------------------------------------------------------------------------
def _fraud_done() -> bool:
    from apps.fraud.models import FraudCase  # noqa: PLC0415

    return FraudCase.objects.exists()


def _fraud_run(actor: Actor) -> str:
    from apps.fraud.models import FraudCase  # noqa: PLC0415

    started = time.monotonic()
    try:
        # one transaction: the tasks each hand settlement enqueues (analytics rollups, fraud and PII checks) run
        # eagerly once it commits, and the rollups are then refreshed once rather than once per settlement
        with transaction.atomic():
            scenarios = plant_fraud(seed=1, actor=actor)
        planted = f"planted {len(scenarios)} scenarios in {time.monotonic() - started:.1f} s; "
    except FraudPlantingError as error:
        planted = f"{error}; "
    started = time.monotonic()
    run_scheduled("apps.fraud.tasks.fraud_scan_task")  # the scheduled scan, every detector over 90 days
    cases = FraudCase.objects.count()
    return f"{planted}the scheduled fraud scan opened {cases} cases in {time.monotonic() - started:.1f} s"


# --- 3. security alerts from a scripted attack -------------------------------------------------------------
ATTACK_RULES = ("brute-force-per-user", "credential-stuffing-per-ip")


def _attack_alerts():
    from apps.security.models import Alert  # noqa: PLC0415

    return Alert.objects.filter(rule__slug__in=ATTACK_RULES).order_by("pk")


def _attack_done() -> bool:
    from apps.security.models import SecurityEvent  # noqa: PLC0415

    return SecurityEvent.objects.filter(details__demo_attack=True).exists()


def _attack_run(actor: Actor) -> str:
    from apps.security.choices import SecurityEventType  # noqa: PLC0415
    from apps.security.services.events import security_event_record  # noqa: PLC0415

    now = timezone.now()
    brute = Actor(kind="system", identifier="anonymous", label="anonymous", ip_address=ATTACK_BRUTE_FORCE_IP)
    brute = Actor(**{**_fields(brute), "user_agent": "python-requests/2.31 (demo attack)"})
    stuffing = Actor(**{**_fields(brute), "ip_address": ATTACK_STUFFING_IP, "user_agent": "curl/8.4 (demo attack)"})
    events = 0
    for n in range(8):  # brute force on one account: the rule's threshold is 5 in 5 minutes
        at = now - timedelta(minutes=4) + timedelta(seconds=20 * n)
        details = {
            "username": ATTACK_TARGET,
            "reason": "invalid_password",
            "path": "/admin/login/",
            "demo_attack": True,
        }
        events += (
            security_event_record(
                event_type=SecurityEventType.LOGIN_FAILED, actor=brute, details=details, occurred_at=at
            )
            is not None
        )
    for n in range(14):  # credential stuffing: 10 distinct usernames from one address in 10 minutes
        at = now - timedelta(minutes=8) + timedelta(seconds=25 * n)
        details = {"username": f"staff{n:02d}@example.com", "reason": "unknown_user", "path": "/portal/login/"}
        details["demo_attack"] = True
        events += (
            security_event_record(
                event_type=SecurityEventType.LOGIN_FAILED, actor=stuffing, details=details, occurred_at=at
            )
            is not None
        )
    run_scheduled("apps.security.tasks.security_correlate_task")  # the scheduled correlation over the events
    raised = ", ".join(alert.rule.name for alert in _attack_alerts().select_related("rule")) or "none"
    return f"{events} failed logins recorded; alerts raised by the detection rules: {raised}"


def _fields(actor: Actor) -> dict:
    return {name: getattr(actor, name) for name in Actor.__slots__}


# --- 4. an incident with evidence ----------------------------------------------------------------------------
def _incident_done() -> bool:
    from apps.incidents.models import Incident  # noqa: PLC0415

    return Incident.objects.filter(title=INCIDENT_TITLE).exists()


def _incident_run(actor: Actor) -> str:
    from apps.incidents.choices import EvidenceKind, IncidentKind, IncidentSeverity  # noqa: PLC0415
    from apps.incidents.services.evidence import evidence_add  # noqa: PLC0415
    from apps.incidents.services.incidents import incident_declare, incident_note  # noqa: PLC0415
    from apps.security.models import SecurityEvent  # noqa: PLC0415

    analyst = user_actor(ANALYST)
    alerts = list(_attack_alerts())
    with transaction.atomic():
        incident = incident_declare(
            actor=analyst,
            title=INCIDENT_TITLE,
            kind=IncidentKind.CREDENTIAL_STUFFING,
            severity=IncidentSeverity.HIGH,
            description=(
                "Failed logins against the admin account from one address and against many accounts from another "
                "(the demo's scripted attack). Block the addresses, confirm no login succeeded, reset the target."
            ),
            owner=User.objects.get(username=ANALYST),
            affected_systems=["staff login", "portal"],
            security_alerts=alerts,
        )
    lines = ["occurred_at,event_type,ip_address,username"]
    for event in SecurityEvent.objects.filter(details__demo_attack=True).order_by("occurred_at"):
        username = event.details.get("username", "")
        lines.append(f"{event.occurred_at.isoformat()},{event.event_type},{event.ip_address},{username}")
    with transaction.atomic():
        evidence_add(
            incident=incident,
            actor=analyst,
            kind=EvidenceKind.FILE,
            title="Failed logins of the attack (CSV export of the security events)",
            content=("\n".join(lines) + "\n").encode(),
            original_name="attack-failed-logins.csv",
            content_type="text/csv",
            method="Exported from the security event stream by the analyst",
        )
        incident_note(
            incident=incident, actor=analyst, text="No successful login from either address; both are blocked."
        )
    return f"incident #{incident.pk} with {len(alerts)} linked alerts, one evidence file (SHA-256 kept) and a note"


def showcase_steps() -> list[ShowcaseStep]:
    from apps.demo import showcase_more as more  # noqa: PLC0415 - the second half imports this module

    return [
        ShowcaseStep("the demo's staff", _staff_done, _staff_run),
        ShowcaseStep("fraud scenarios and a fraud scan", _fraud_done, _fraud_run),
        ShowcaseStep("security alerts from a scripted attack", _attack_done, _attack_run),
        ShowcaseStep("an incident with evidence", _incident_done, _incident_run),
        ShowcaseStep("data-subject requests in every state", more.privacy_done, more.privacy_run),
        ShowcaseStep(
            "compliance checks and a score snapshot", more.checks_done, more.checks_run_now, more.checks_start_early
        ),
        ShowcaseStep("report definitions with a first run", more.reports_done, more.reports_run),
        ShowcaseStep("analytics forecasts and insights", more.analytics_done, more.analytics_run),
    ]


def seed_showcase(*, actor: Actor, say: Say) -> int:
    """Run the steps not done yet, saying what each did; the number of steps run (0: all were there)."""
    steps = showcase_steps()
    for step in steps:
        if step.start_early is not None and not step.done():
            step.start_early()
    ran = 0
    for number, step in enumerate(steps, start=1):
        prefix = f"[{number}/{len(steps)}] {step.name}"
        if step.done():
            say(f"{prefix}: already there")
            continue
        say(f"{prefix} …")
        started = time.monotonic()
        summary = step.run(actor)
        say(f"{prefix}: {summary} ({time.monotonic() - started:.1f} s)")
        ran += 1
    return ran
