"""The playbook action collect_evidence (issue #13 item 3/5): a sealed snapshot of the incident's audit
events, security events and bets, kept as evidence with custody; idempotent per step run."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.services import capper_create
from apps.core.actors import Actor
from apps.incidents.actions.base import ACTIONS
from apps.incidents.models import CustodyEvent, Evidence, StepRun
from apps.incidents.sealing import seal_verify
from apps.incidents.services.evidence import custody_verify, evidence_access
from apps.security.models import DetectionRule
from apps.security.services import alert_raise, security_event_record
from tests.incidents.playbook_support import playbook_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(declare, tenant, actor, place_bet, fraud_case):
    incident = declare(kind="fraud_ring", guild_id=tenant.guild_id)
    attacker = Actor(kind="system", identifier="anonymous", label="anonymous", ip_address="203.0.113.9")
    events = [security_event_record(event_type="login_failed", actor=attacker, details={"username": "ops"})]
    alert, _ = alert_raise(
        rule=DetectionRule.objects.get(slug="brute-force-per-user"), group_key="ops", events=events, details={}
    )
    incident.security_alerts.add(alert)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="600000000000000001", username="ring")
    incident.fraud_cases.add(fraud_case([capper]))
    place_bet(tenant, capper, "ring-1", timezone.now() - timedelta(hours=1), "3.00")
    incident.audit_events.add(AuditEvent.objects.filter(action="betting.capper_created").first())
    playbook = playbook_make(
        kind="fraud_ring", steps=[{"slug": "snapshot", "title": "Collect evidence", "action": "collect_evidence"}]
    )
    step = playbook.steps.get()
    return StepRun.objects.create(incident=incident, step=step, position=1, status="running")


def test_collect_evidence_keeps_a_sealed_snapshot_of_the_related_records(run, actor):
    outcome = ACTIONS["collect_evidence"](run, Actor.system("playbook"))

    evidence = Evidence.objects.get(pk=outcome.result["evidence_id"])
    assert (evidence.kind, evidence.incident_id, outcome.result["already_collected"]) == (
        "snapshot",
        run.incident_id,
        False,
    )
    assert custody_verify(evidence=evidence)
    assert CustodyEvent.objects.get(evidence=evidence).action == "collected"
    content = evidence_access(evidence=evidence, actor=actor, action="export", purpose="regulator")
    assert seal_verify(content)
    document = json.loads(content)
    snapshot = document["snapshot"]
    assert document["seal"]["snapshot_sha256"] and document["seal"]["signature"]
    assert [row["external_id"] for row in snapshot["bets"]["rows"]] == ["ring-1"]
    assert snapshot["bets"]["basis"] == "the bets of the linked fraud cases' cappers"
    [security_event] = snapshot["security_events"]["rows"]
    assert (security_event["event_type"], security_event["ip_address"]) == ("login_failed", "203.0.113.9")
    assert "betting.capper_created" in [row["action"] for row in snapshot["audit_events"]["rows"]]
    assert not any(section["truncated"] for section in (snapshot["bets"], snapshot["audit_events"]))


def test_a_second_run_of_the_same_step_run_finds_its_evidence(run):
    first = ACTIONS["collect_evidence"](run, Actor.system("playbook"))
    again = ACTIONS["collect_evidence"](run, Actor.system("playbook"))
    assert again.result == {**first.result, "already_collected": True}
    assert Evidence.objects.count() == 1


def test_an_altered_snapshot_no_longer_verifies(run, actor):
    outcome = ACTIONS["collect_evidence"](run, Actor.system("playbook"))
    evidence = Evidence.objects.get(pk=outcome.result["evidence_id"])
    document = json.loads(evidence_access(evidence=evidence, actor=actor, action="view", purpose="check"))
    document["snapshot"]["bets"]["rows"] = []
    assert not seal_verify(json.dumps(document).encode())


def test_sections_are_bounded(run, settings):
    settings.INCIDENT_SNAPSHOT_MAX_ROWS = 1
    run.incident.audit_events.add(*AuditEvent.objects.order_by("id")[:3])
    outcome = ACTIONS["collect_evidence"](run, Actor.system("playbook"))
    content = Evidence.objects.get(pk=outcome.result["evidence_id"]).file.read()
    snapshot = json.loads(content)["snapshot"]
    assert len(snapshot["audit_events"]["rows"]) == 1 and snapshot["audit_events"]["truncated"]
