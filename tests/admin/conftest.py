"""Admin fixtures: a logged-in superuser and enough rows behind every registered admin to expose an N+1."""

from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.services import api_key_create, member_create
from apps.audit.services import audit_seal_pending
from apps.betting.choices import LegResult, Market, Selection
from apps.betting.models import Capper, Team
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.core.choices import ProcessKind
from apps.core.models import LeakSuspect, MemorySnapshot, SlowQuery
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.services import fraud_case_record, fraud_case_triage
from apps.ml.models import Player
from apps.ml.nlp.services import team_alias_create
from apps.privacy.choices import PiiKind
from apps.privacy.models import PiiFinding
from apps.privacy.services import pseudonymize
from apps.security.models import Baseline, DetectionRule
from apps.security.services import security_event_record
from apps.security.services.alerts import alert_raise
from apps.tenants.services import tenant_create
from tests.admin.helpers import ROWS
from tests.analytics.admin_rows import alerting_admin_rows
from tests.analytics.reports.admin_rows import analytics_report_admin_rows
from tests.compliance.admin_rows_automation import compliance_automation_rows
from tests.compliance.admin_rows_checks import compliance_check_rows
from tests.factories import UserFactory
from tests.incidents.admin_rows import escalation_policy_admin_rows, incident_admin_rows
from tests.incidents.admin_rows_playbooks import playbook_admin_rows
from tests.integration.admin_rows_deployment import deployment_admin_rows
from tests.integration.admin_rows_feeds import feed_admin_rows
from tests.notifications.admin_rows import notification_admin_rows
from tests.privacy.admin_rows_requests import privacy_request_admin_rows
from tests.privacy.admin_rows_retention import retention_admin_rows
from tests.second_factor import verified_client


@pytest.fixture
def superuser(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root")


@pytest.fixture
def staff_client():
    """staff_client(user) -> a Client with that user's session (force_login: django-axes breaks login())."""

    def _client(user) -> Client:
        return verified_client(user)

    return _client


@pytest.fixture
def superuser_client(superuser, staff_client) -> Client:
    return staff_client(superuser)


@pytest.fixture(scope="module")
def admin_rows(django_db_setup, django_db_blocker):
    """ROWS of every registered model, made once per module in a transaction rolled back at its end.

    Each test's own transaction nests inside (a savepoint), as with Django's setUpTestData. A newly
    registered model needs its rows here: the change-page smoke test names the one missing.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _seed(actor=Actor.system("test"))
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _seed(*, actor: Actor) -> None:
    groups = list(Group.objects.order_by("name"))
    for number in range(ROWS):
        # through the services where there is one, so the audit trail fills up as well
        tenant = tenant_create(actor=actor, guild_id=str(500000000000000000 + number), name=f"Guild {number:02}")
        member = member_create(
            actor=actor,
            tenant=tenant,
            discord_user_id=str(600000000000000000 + number),
            username=f"member{number:02}",
            email=f"member{number:02}@example.org",  # encrypted fields: the member pages decrypt them
            notes=f"note {number}",
        )
        api_key_create(actor=actor, name=f"key {number:02}", scopes=["tenants:read"], tenant=tenant)
        UserFactory(username=f"staffer{number:02}").groups.add(groups[number % len(groups)])
        _betting_rows(actor=actor, tenant=tenant, member=member, number=number)
    audit_seal_pending()
    _beat_rows()
    _axes_rows()
    _monitoring_rows()
    _security_rows(actor=actor)
    _fraud_rows(actor=actor)
    _nlp_rows()  # issue #16 nlp
    compliance_check_rows(actor=actor, rows=ROWS)
    compliance_automation_rows(actor=actor, rows=ROWS)
    _privacy_classification_rows()
    privacy_request_admin_rows(actor=actor, rows=ROWS)
    notification_admin_rows(rows=ROWS)
    escalation_policy_admin_rows(actor=actor, rows=ROWS)
    incident_admin_rows(actor=actor, rows=ROWS)
    playbook_admin_rows(actor=actor, rows=ROWS)
    alerting_admin_rows(actor=actor, rows=ROWS)
    analytics_report_admin_rows(actor=actor, rows=ROWS)
    feed_admin_rows(actor=actor, rows=ROWS)
    deployment_admin_rows(actor=actor, rows=ROWS)
    retention_admin_rows(actor=actor, rows=ROWS)  # last: it archives the oldest audit events


def _betting_rows(*, actor: Actor, tenant, member, number: int) -> None:
    """A sport, a league, two teams, a game, a capper and a settled bet (with its ledger entry)."""
    game, _ = game_upsert(
        actor=actor,
        external_id=f"game-{number:02}",
        sport=f"sport-{number:02}",
        league=f"league-{number:02}",
        home_team=f"Home {number:02}",
        away_team=f"Away {number:02}",
        starts_at=timezone.now() + timedelta(hours=1),
    )
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=member.discord_user_id, username=member.username)
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=f"message-{number:02}",
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=game.external_id)],
    )
    bet_settle(bet=bet, actor=actor, leg_results={leg.pk: LegResult.WON for leg in bet.legs.all()})


def _nlp_rows() -> None:
    """issue #16 nlp: an alias and a player for each seeded home team."""
    for team in Team.objects.filter(name__startswith="Home ").select_related("league"):
        team_alias_create(team=team, alias=f"{team.name} Homers")
        Player.objects.create(name=f"Player of {team.name}", team=team, league=team.league)


def _beat_rows() -> None:
    crontab = CrontabSchedule.objects.create(minute="0", hour="*/2")
    SolarSchedule.objects.create(event="sunrise", latitude="51.5", longitude="-0.12")
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    for number in range(ROWS):
        interval = IntervalSchedule.objects.create(every=number + 1, period=IntervalSchedule.MINUTES)
        PeriodicTask.objects.create(
            name=f"job {number:02}",
            task="apps.audit.tasks.audit_seal_task",
            interval=interval if number % 2 else None,
            crontab=None if number % 2 else crontab,  # half the jobs share one schedule
        )


def _axes_rows() -> None:
    for number in range(ROWS):
        request = {
            "user_agent": "pytest",
            "ip_address": f"10.0.0.{number + 1}",
            "username": f"user{number:02}",
            "http_accept": "text/html",
            "path_info": "/admin/login/",
        }
        AccessAttempt.objects.create(**request, get_data="", post_data="", failures_since_start=1)
        AccessLog.objects.create(**request)
        AccessFailureLog.objects.create(**request)


def _monitoring_rows() -> None:
    # written by the monitors only (no service): rows straight into the tables
    now = timezone.now()
    for number in range(ROWS):
        process = f"web-host:{1000 + number}"
        SlowQuery.objects.create(
            fingerprint=f"{number:064x}",
            normalized_sql=f"SELECT * FROM table_{number} WHERE id = %s",
            example_sql=f"SELECT * FROM table_{number} WHERE id = %s",
            last_source="/api/v1/tenants/",
            count=number + 1,
            total_ms=100.0 * (number + 1),
            max_ms=150.0,
            first_seen_at=now,
            last_seen_at=now,
        )
        MemorySnapshot.objects.create(process=process, process_kind=ProcessKind.WEB, rss_bytes=(200 + number) << 20)
        LeakSuspect.objects.create(
            process=process,
            process_kind=ProcessKind.WEB,
            first_rss_bytes=200 << 20,
            last_rss_bytes=(300 + number) << 20,
            snapshot_count=5,
            first_snapshot_at=now - timedelta(minutes=5),
            last_snapshot_at=now,
        )


def _security_rows(*, actor: Actor) -> None:
    """Security events, an alert per event (each with its evidence and history), baselines, MFA devices."""
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    now = timezone.now()
    for number in range(ROWS):
        event = security_event_record(
            event_type="login_failed",
            actor=Actor(kind="system", identifier="anonymous", label=f"user{number:02}", ip_address=f"10.1.0.{number}"),
            details={"username": f"user{number:02}"},
        )
        alert_raise(rule=rule, group_key=f"user{number:02}", events=[event], details={"measure": 1})
        user = UserFactory(username=f"mfa{number:02}")
        TOTPDevice.objects.create(user=user, name=f"phone {number:02}")
        Baseline.objects.create(
            subject_kind="staff_user",
            subject_id=str(user.pk),
            subject_label=user.username,
            window_start=now - timedelta(days=30),
            window_end=now,
            sample_size=20,
            profile={"hour_counts": [0] * 24},
            computed_at=now,
        )


def _fraud_rows(*, actor: Actor) -> None:
    """A case per pair of neighbouring cappers (two members, history, and a verdict on every third)."""
    cappers = list(Capper.objects.order_by("pk").values_list("pk", flat=True))
    for number in range(ROWS):
        members = (cappers[number], cappers[(number + 1) % len(cappers)])
        case, _ = fraud_case_record(
            finding=Finding(FraudKind.COPY_RING, members, 0.7, f"Copied {number} times.", {"meetings": number}),
            actor=actor,
        )
        if number % 3 == 0:
            fraud_case_triage(case=case, actor=actor, status=CaseStatus.CONFIRMED, note="seen")


def _privacy_classification_rows() -> None:
    """PII findings (as the scanner writes them) and pseudonyms in the vault."""
    now = timezone.now()
    PiiFinding.objects.bulk_create(
        PiiFinding(
            model_label="betting.BetLeg",
            object_id=str(number + 1),
            field_name="description",
            guild_id=str(500000000000000000 + number),
            kind=PiiKind.EMAIL,
            masked_excerpt="j***@e***.com",
            value_hash=f"{number:064x}",
            found_at=now,
        )
        for number in range(ROWS)
    )
    for number in range(ROWS):
        pseudonymize(str(600000000000000000 + number), purpose="admin-seed")
