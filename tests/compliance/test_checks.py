"""Automated checks: breaking a control turns its check red within one run, with evidence naming what broke."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.audit.services import audit_seal_pending
from apps.betting.choices import LedgerKind, LegResult, Market
from apps.betting.models import LedgerEntry
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.compliance.checks import platform as platform_checks
from apps.compliance.checks.platform import deploy_check_environment
from apps.compliance.checks.registry import CHECKS, CheckDefinition, CheckResult, checks_for
from apps.compliance.models import CheckRun, CheckSetting, EvidenceItem
from apps.compliance.services.checks import deploy_check_start
from apps.compliance.services.runs import check_run_execute, checks_due, checks_run_due
from apps.compliance.signals import check_run_recorded
from apps.fraud.tasks import fraud_scan_task
from apps.privacy.models import DataSubjectRequest
from apps.security.models import DetectionRule
from apps.tenants.services import tenant_create
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(check_id: str, **kwargs) -> CheckRun:
    [check] = checks_for(check_id=check_id)
    return check_run_execute(check=check, trigger="manual", **kwargs)


def test_a_superuser_without_mfa_fails_the_check_with_the_user_in_evidence(staff_user):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer")
    TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    assert run("access.privileged_mfa").status == "pass"

    root = staff_user(StaffRole.SUPERUSER, username="root")
    TOTPDevice.objects.create(user=root, name="unconfirmed", confirmed=False)
    failed = run("access.privileged_mfa")

    assert (failed.status, failed.severity) == ("fail", "critical")
    assert failed.evidence["users"] == [{"user_id": root.pk, "username": "root", "superuser": True}]
    assert (failed.evidence["privileged_users"], failed.evidence["without_confirmed_totp"]) == (2, 1)
    assert "pci_dss:8.4.2" in failed.requirements


def test_an_overdue_data_subject_request_fails_the_check_with_its_id(tenant):
    now = timezone.now()
    request = DataSubjectRequest.objects.create(
        tenant=tenant,
        member=MemberFactory(tenant=tenant),
        kind="erasure",
        status="received",
        received_at=now - timedelta(days=40),
        due_at=now - timedelta(days=10),
        requested_by="test",
    )

    failed = run("privacy.requests_overdue")

    assert failed.status == "fail"
    assert [row["request_id"] for row in failed.evidence["overdue"]] == [request.pk]
    assert failed.evidence["overdue"][0]["days_overdue"] == 10.0


def _tamper(event_id: int) -> None:
    """What someone holding the database could do: the append-only trigger is switched off, the hash is not."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET reason = 'nothing happened' WHERE id = %s", [event_id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def test_a_tampered_audit_row_fails_the_chain_check_naming_the_event(actor):
    tenant_create(actor=actor, guild_id="333333333333333333", name="Audited")
    tenant_create(actor=actor, guild_id="444444444444444444", name="Also audited")
    audit_seal_pending()
    assert run("audit.chain_intact").status == "pass"
    first = AuditEvent.objects.order_by("pk").first()

    _tamper(first.pk)
    failed = run("audit.chain_intact")

    assert (failed.status, failed.severity) == ("fail", "critical")
    assert failed.evidence["first_bad_event_id"] == first.pk
    assert str(first.pk) in failed.evidence["problem"]


@pytest.fixture
def placed_bet(tenant, actor):
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    game, _ = game_upsert(
        actor=actor,
        external_id="old-game",
        sport="basketball",
        league="NBA",
        home_team="Celtics",
        away_team="Knicks",
        starts_at=timezone.now() - timedelta(days=3),
    )
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id="old-game-bet-1",  # not a Discord id: placed_at is bounded by the receive time only
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market=Market.MONEYLINE, selection="home", odds=-110, game=game.external_id)],
        placed_at=game.starts_at - timedelta(hours=1),
    )
    return bet


def test_a_ledger_entry_without_an_audit_event_fails_the_check(placed_bet):
    assert run("audit.ledger_writes_audited").evidence["ledger_entries"] == 0
    entry = LedgerEntry.objects.create(  # a write that went around the settlement service
        tenant=placed_bet.tenant,
        capper=placed_bet.capper,
        bet=placed_bet,
        sequence=1,
        kind=LedgerKind.SETTLE,
        result=LegResult.WON,
        record_sign=1,
        units=Decimal("0.9091"),
        staked_units=Decimal("1.00"),
        placed_at=placed_bet.placed_at,
    )

    failed = run("audit.ledger_writes_audited")

    assert failed.status == "fail"
    assert failed.evidence["unaudited"] == [{"ledger_entry_id": entry.pk, "bet_id": placed_bet.pk}]


def test_a_bet_pending_days_after_its_game_fails_the_check(placed_bet):
    failed = run("betting.pending_after_game")
    assert (failed.status, failed.evidence["bet_ids"]) == ("fail", [placed_bet.pk])


def test_a_contradicted_hand_settlement_left_unreviewed_fails_the_check(placed_bet):
    assert run("betting.contradicted_settlements_reviewed").status == "pass"
    type(placed_bet).objects.filter(pk=placed_bet.pk).update(
        needs_review=True, updated_at=timezone.now() - timedelta(days=4)
    )
    failed = run("betting.contradicted_settlements_reviewed")
    assert failed.evidence["bets"] == [{"bet_id": placed_bet.pk, "tenant_id": placed_bet.tenant_id}]


def test_a_disabled_brute_force_rule_fails_the_check():
    assert run("security.bruteforce_rules_enabled").status == "pass"
    DetectionRule.objects.filter(slug="brute-force-per-user").update(is_enabled=False)

    failed = run("security.bruteforce_rules_enabled")

    assert (failed.status, failed.evidence["disabled"]) == ("fail", ["brute-force-per-user"])


def test_a_platform_key_without_expiry_fails_the_rotation_check(make_key):
    key, _ = make_key(["tenants:read"])
    failed = run("access.api_key_rotation")
    assert failed.evidence["platform_keys_without_expiry"] == [key.prefix]


def test_idle_staff_are_deactivated_only_when_remediation_is_enabled():
    idle = UserFactory(username="sleepy", is_staff=True, last_login=timezone.now() - timedelta(days=120))
    assert run("access.idle_staff").remediation == {}
    idle.refresh_from_db()
    assert idle.is_active

    setting = CheckSetting.objects.create(check_id="access.idle_staff", auto_remediation_enabled=True)
    remediated = run("access.idle_staff", setting=setting)

    idle.refresh_from_db()
    assert (remediated.status, idle.is_active) == ("fail", False)
    assert remediated.remediation == {"ran": True, "deactivated_user_ids": [idle.pk]}
    assert AuditEvent.objects.get(action="compliance.staff_user_deactivated").target_id == str(idle.pk)


def test_evidence_is_stored_with_the_sha256_of_its_canonical_json_and_a_signal_after_commit(
    django_capture_on_commit_callbacks,
):
    received = []
    check_run_recorded.connect(lambda sender, **kwargs: received.append(kwargs), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            stored = run("platform.password_session_policy")
    finally:
        check_run_recorded.disconnect(dispatch_uid="t")

    canonical = json.dumps(stored.evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert stored.evidence_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert stored.evidence["min_length"] == 12
    assert (stored.check_version, stored.status) == ("1", "pass")
    assert [item["check_run_id"] for item in received] == [stored.pk]


def test_a_check_that_raises_is_stored_as_an_error():
    def explode(now):
        raise ZeroDivisionError

    CHECKS["test.explodes"] = CheckDefinition("test.explodes", "t", "low", 5, ("soc2:CC4.1",), "1", explode)
    try:
        stored = run("test.explodes")
    finally:
        del CHECKS["test.explodes"]
    assert (stored.status, stored.evidence) == ("error", {"exception": "ZeroDivisionError"})


def test_the_dispatcher_runs_due_checks_once_per_frequency(monkeypatch):
    ran = []
    for check in checks_for():
        monkeypatch.setitem(
            CHECKS,
            check.id,
            CheckDefinition(
                check.id,
                check.title,
                check.severity,
                check.frequency_minutes,
                check.requirements,
                check.version,
                lambda now, check_id=check.id: ran.append(check_id) or CheckResult.passed("ok"),
            ),
        )
    CheckSetting.objects.create(check_id="platform.deploy_check", is_enabled=False)

    first = checks_run_due()
    again = checks_run_due()
    later = checks_due(now=timezone.now() + timedelta(minutes=16))

    assert sorted(ran) == sorted(check.id for check in checks_for() if check.id != "platform.deploy_check")
    assert len(first) == len(ran) and again == []
    assert {check.id for check in later} == {
        "access.privileged_mfa",
        "incidents.regulatory_clocks",
        "privacy.requests_overdue",
        "security.bruteforce_rules_enabled",
        "security.triage_sla",
    }


def test_detector_runs_become_evidence_linked_to_their_requirements():
    fraud_scan_task.apply()

    item = EvidenceItem.objects.get(kind="detector_run", source="apps.fraud.tasks.fraud_scan_task")
    assert (item.data["state"], item.data["result"]) == ("SUCCESS", 0)
    assert "betting_integrity:BI-3.1" in {str(requirement) for requirement in item.requirements.all()}
    assert run("monitoring.detectors_running").evidence["detectors"][0]["last_evidence_id"] == item.pk


def test_a_disabled_append_only_trigger_fails_the_check_naming_the_table():
    assert run("integrity.append_only_triggers").status == "pass"
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("ALTER TABLE betting_ledgerentry DISABLE TRIGGER USER")

    failed = run("integrity.append_only_triggers")

    assert (failed.status, failed.evidence["unprotected_tables"]) == ("fail", ["betting_ledgerentry"])
    assert {"table": "betting_ledgerentry", "trigger": "betting_ledgerentry_append_only", "enabled": False} in (
        failed.evidence["triggers"]
    )


def test_the_deploy_check_names_placeholders_when_the_configuration_has_no_services(settings, monkeypatch):
    """The embedded configuration has no DATABASE_URL/REDIS_URL; `check --deploy` still runs on production."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.DATABASE_URL = ""
    settings.REDIS_URL = ""

    env, supplied = deploy_check_environment()

    assert env["DJANGO_SETTINGS_MODULE"] == "dbsbm.settings.production"
    assert env["DATABASE_URL"].startswith("postgres://placeholder.invalid")
    assert env["REDIS_URL"].startswith("redis://placeholder.invalid")
    assert {"DATABASE_URL", "REDIS_URL"} <= set(supplied)


def test_check_deploy_started_early_is_what_the_next_run_of_the_check_takes():
    """The demo's seeding starts `check --deploy` before writing its story (deploy_check_start); the check's next
    run takes that process's output instead of starting another, and a second start before the run is a no-op."""
    deploy_check_start()
    future, supplied = platform_checks._early["run"]
    deploy_check_start()
    assert platform_checks._early["run"][0] is future  # one process until a run takes it

    deploy = run("platform.deploy_check")

    assert "run" not in platform_checks._early
    completed = future.result()
    assert deploy.evidence["exit_code"] == completed.returncode
    assert deploy.evidence["placeholder_variables"] == supplied
    assert deploy.status in {"pass", "fail"} and "failure" not in deploy.evidence, deploy.summary
