"""Each playbook action really changes the system, records what it did, and is undone where it can be."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.betting.services import capper_create, game_upsert
from apps.core.errors import ConflictError
from apps.fraud.models import FraudCase, FraudCaseMember
from apps.incidents.choices import StepStatus, TimelineKind
from apps.incidents.models import StepRun
from apps.incidents.services.playbooks import playbook_start, step_run_undo
from apps.security.models import BlockedAddress
from apps.tenants.choices import TenantStatus
from tests.incidents.playbook_support import alert_make, event_make, incident_make, playbook_make
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db
ATTACKER = "203.0.113.50"


@pytest.fixture
def run_playbook(django_capture_on_commit_callbacks):
    """run_playbook(incident) -> its step runs, after every step ran (tasks are eager in tests)."""

    def _run(incident):
        with django_capture_on_commit_callbacks(execute=True):
            playbook_start(incident_id=incident.pk)
        return list(StepRun.objects.filter(incident=incident).select_related("step"))

    return _run


@pytest.fixture
def undo(django_capture_on_commit_callbacks, actor):
    def _undo(run):
        with django_capture_on_commit_callbacks(execute=True):
            return step_run_undo(step_run=run, actor=actor)

    return _undo


def test_revoke_api_key_revokes_the_key_the_alert_names_and_cannot_be_undone(
    tenant, make_key, client_with_key, run_playbook, undo
):
    key, secret = make_key(["tenants:read"], tenant=tenant)
    client = client_with_key(secret)
    assert client.get(f"/api/v1/tenants/{tenant.guild_id}/").status_code == 200
    playbook_make(kind="api_key_compromise", steps=[{"slug": "revoke", "action": "revoke_api_key"}])
    alert = alert_make(group_key=key.prefix, rule_slug="api-key-abuse")
    incident = incident_make(kind="api_key_compromise", security_alerts=[alert])

    [run] = run_playbook(incident)

    assert (run.status, run.result, run.undo) == (
        StepStatus.SUCCEEDED,
        {"revoked": [key.prefix], "already_revoked": []},
        {},
    )
    assert client.get(f"/api/v1/tenants/{tenant.guild_id}/").status_code == 401
    assert AuditEvent.objects.filter(action="accounts.api_key_revoked", target_id=str(key.pk)).count() == 1
    assert incident.timeline.filter(kind=TimelineKind.ACTION, message__contains="revoke) succeeded").exists()
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo(run)
    run.refresh_from_db()
    assert run.status == StepStatus.SUCCEEDED


def test_suspend_tenant_suspends_the_incidents_guild_and_undo_reactivates_it(
    tenant, make_key, client_with_key, run_playbook, undo
):
    _, secret = make_key(["tenants:read"], tenant=tenant)
    playbook_make(kind="bot_abuse", steps=[{"slug": "suspend", "action": "suspend_tenant"}])
    incident = incident_make(kind="bot_abuse", guild_id=tenant.guild_id)

    [run] = run_playbook(incident)

    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.SUSPENDED
    assert run.undo == {"guild_ids": [tenant.guild_id]}
    assert client_with_key(secret).get(f"/api/v1/tenants/{tenant.guild_id}/").status_code in (401, 403)

    undone = undo(run)

    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert (undone.status, undone.undone_by_label) == (StepStatus.UNDONE, "test")
    assert client_with_key(secret).get(f"/api/v1/tenants/{tenant.guild_id}/").status_code == 200
    assert AuditEvent.objects.filter(action="tenants.tenant_reactivated").count() == 1
    assert AuditEvent.objects.filter(action="incidents.playbook_step_undone").count() == 1
    assert incident.timeline.filter(kind=TimelineKind.ACTION_UNDONE).count() == 1
    with pytest.raises(ConflictError, match="Only a succeeded step"):
        undo(undone)


def test_block_address_blocks_the_brute_force_address_at_the_portal_login_until_undone(run_playbook, undo):
    playbook_make(
        kind="credential_stuffing", steps=[{"slug": "block", "action": "block_address", "params": {"hours": 2}}]
    )
    events = [event_make(ip_address=ATTACKER, details={"username": "admin"}) for _ in range(3)]
    alert = alert_make(group_key="admin", rule_slug="brute-force-per-user", events=events)
    incident = incident_make(kind="credential_stuffing", security_alerts=[alert])
    login = reverse("portal:login")

    [run] = run_playbook(incident)

    block = BlockedAddress.objects.get()
    assert block.network == f"{ATTACKER}/32"
    assert timedelta(hours=1, minutes=59) < block.blocked_until - timezone.now() <= timedelta(hours=2)
    assert run.result["blocked"] == [f"{ATTACKER}/32"]
    assert Client().post(login, {"username": "admin", "password": "x"}, REMOTE_ADDR=ATTACKER).status_code == 403

    undo(run)

    assert Client().get(login, REMOTE_ADDR=ATTACKER).status_code == 200
    assert AuditEvent.objects.filter(action="security.address_unblocked").count() == 1


def test_end_staff_sessions_signs_the_alerts_user_out_and_requires_a_new_second_factor(staff_user, run_playbook, undo):
    victim = staff_user(StaffRole.SECURITY_ANALYST, username="victim")
    browser = verified_client(victim)
    dashboard = reverse("portal:dashboard")
    assert browser.get(dashboard).status_code == 200
    playbook_make(kind="account_takeover", steps=[{"slug": "end", "action": "end_staff_sessions"}])
    alert = alert_make(group_key="victim", rule_slug="brute-force-per-user")
    incident = incident_make(kind="account_takeover", security_alerts=[alert])

    [run] = run_playbook(incident)

    assert run.result == {"users": {"victim": {"sessions_ended": 1, "devices_removed": 1}}}
    assert browser.get(dashboard).status_code == 302
    assert not TOTPDevice.objects.filter(user=victim).exists()
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo(run)


def test_freeze_capper_freezes_the_fraud_cases_cappers_their_bets_are_refused_until_undone(
    tenant, actor, make_key, client_with_key, run_playbook, undo
):
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    game_upsert(
        actor=actor, external_id="g-1", sport="basketball", league="NBA", home_team="A", away_team="B",
        starts_at=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    now = timezone.now()
    case = FraudCase.objects.create(
        kind="copy_ring", member_key=str(capper.pk), score=0.9, explanation="copies", evidence={},
        first_detected_at=now, last_detected_at=now,
    )  # fmt: skip
    FraudCaseMember.objects.create(case=case, capper=capper)
    playbook_make(kind="fraud_ring", steps=[{"slug": "freeze", "action": "freeze_capper"}])
    incident = incident_make(kind="fraud_ring", guild_id=tenant.guild_id, fraud_cases=[case])
    _, secret = make_key(["bets:read", "bets:write"], tenant=tenant)
    bets = client_with_key(secret)

    def place(external_id):
        leg = {"game": "g-1", "market": "moneyline", "selection": "home", "odds": -110}
        body = {"external_id": external_id, "capper": "500000000000000001", "stake_units": "1.00", "legs": [leg]}
        return bets.post(f"/api/v1/tenants/{tenant.guild_id}/bets/", body, format="json")

    [run] = run_playbook(incident)

    refused = place("7001")
    assert refused.status_code == 403
    assert refused.json()["code"] == "capper_frozen"
    assert incident.reference in refused.json()["message"]
    assert run.undo == {"capper_ids": [capper.pk]}

    undo(run)

    assert place("7002").status_code == 201
