"""Opening incidents by rule: real alerts, fraud cases and check runs, through their own services, reach the
rules by their signals and the outbox (eager tasks after commit)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.services import capper_create
from apps.compliance.checks.registry import checks_for
from apps.compliance.services.runs import check_run_execute
from apps.core.actors import Actor
from apps.fraud.detectors.base import Finding
from apps.fraud.services import fraud_case_record
from apps.incidents.models import Incident, IncidentRule
from apps.incidents.services.rules import fraud_case_severity, incident_open_for_alert
from apps.security.choices import AlertStatus
from apps.security.models import Alert, DetectionRule
from apps.security.services import security_event_record
from apps.security.services.alerts import alert_raise

# the lines opening by rule writes; the opened incident's playbook, escalation and clocks add their own
# (tested in test_playbooks_*, test_escalation*, test_clocks)
RULE_LINES = ("opened", "joined")

pytestmark = pytest.mark.django_db


@pytest.fixture
def raise_alert(django_capture_on_commit_callbacks):
    """raise_alert(slug, group_key) -> Alert raised by the security service, its after-commit work run."""

    def _raise(slug: str = "api-key-abuse", group_key: str = "203.0.113.9") -> Alert:
        rule = DetectionRule.objects.get(slug=slug)
        with django_capture_on_commit_callbacks(execute=True):
            alert, created = alert_raise(rule=rule, group_key=group_key, events=[], details={"count": 10})
        assert created
        return alert

    return _raise


@pytest.fixture
def api_key_rule(db):
    return IncidentRule.objects.create(
        name="API key abuse",
        source="security_alert",
        alert_rule_slugs=["api-key-abuse"],
        min_severity="high",
        incident_kind="api_key_compromise",
        dedup_window_minutes=30,
        position=1,
    )


def _resolve(alert: Alert) -> None:
    # a resolved alert absorbs no repeat: the next detection of the same key is a new alert
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RESOLVED)


def test_an_alert_raised_by_the_security_service_opens_an_incident_by_rule(raise_alert, api_key_rule):
    alert = raise_alert()

    incident = Incident.objects.get()
    assert (incident.kind, incident.severity, incident.status) == ("api_key_compromise", "high", "new")
    assert incident.rule == api_key_rule
    assert incident.correlation_key == "security_alert:api-key-abuse:203.0.113.9"
    assert incident.declared_by_label == "API key abuse"
    assert list(incident.security_alerts.all()) == [alert]
    assert incident.detected_at == alert.first_seen_at
    assert incident.timeline.get(kind__in=RULE_LINES).kind == "opened"
    assert AuditEvent.objects.get(action="incidents.declared").actor_label == "incident rule API key abuse"


def test_a_second_alert_of_the_same_key_within_the_window_joins(raise_alert, api_key_rule):
    first = raise_alert()
    _resolve(first)

    second = raise_alert()

    incident = Incident.objects.get()
    assert set(incident.security_alerts.all()) == {first, second}
    joined = incident.timeline.get(kind="joined")
    assert joined.message.startswith(f"Security alert {second.pk} joined")
    assert joined.data["security_alerts"] == [second.pk]
    assert AuditEvent.objects.filter(action="incidents.linked").count() == 1


def test_an_alert_of_another_key_opens_its_own_incident(raise_alert, api_key_rule):
    raise_alert(group_key="203.0.113.9")

    raise_alert(group_key="198.51.100.7")

    assert Incident.objects.count() == 2


def test_a_second_alert_outside_the_window_opens_a_new_incident(raise_alert, api_key_rule):
    first = raise_alert()
    _resolve(first)
    Incident.objects.update(created_at=timezone.now() - timedelta(minutes=31))

    second = raise_alert()

    assert Incident.objects.count() == 2
    assert list(Incident.objects.order_by("id").values_list("security_alerts", flat=True)) == [first.pk, second.pk]


def test_a_closed_incident_is_not_joined(raise_alert, api_key_rule):
    first = raise_alert()
    _resolve(first)
    Incident.objects.update(status="closed")

    raise_alert()

    assert Incident.objects.count() == 2


def test_an_alert_below_the_rule_minimum_severity_opens_nothing(raise_alert, api_key_rule):
    DetectionRule.objects.filter(slug="api-key-abuse").update(severity="medium")

    raise_alert()

    assert Incident.objects.count() == 0


def test_an_alert_no_rule_names_opens_nothing(raise_alert):
    raise_alert(slug="rapid-privilege-changes", group_key="7")

    assert Incident.objects.count() == 0


def test_an_inactive_rule_opens_nothing(raise_alert, api_key_rule):
    IncidentRule.objects.filter(pk=api_key_rule.pk).update(is_active=False)

    raise_alert()

    assert Incident.objects.count() == 0


def test_handling_one_alert_twice_opens_one_incident(raise_alert, api_key_rule):
    alert = raise_alert()

    again = incident_open_for_alert(alert=alert)

    assert Incident.objects.count() == 1
    assert again == Incident.objects.get()
    assert again.timeline.filter(kind__in=RULE_LINES).count() == 1


def test_a_rule_severity_overrides_the_alert_severity(raise_alert, api_key_rule):
    IncidentRule.objects.filter(pk=api_key_rule.pk).update(incident_severity="critical")

    raise_alert()

    assert Incident.objects.get().severity == "critical"


def test_a_real_brute_force_attack_opens_an_account_takeover_incident_by_the_default_rules(
    django_capture_on_commit_callbacks,
):
    start = timezone.now() - timedelta(minutes=2)
    attacker = Actor(kind="system", identifier="anonymous", label="alice", ip_address="203.0.113.50")

    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            security_event_record(
                event_type="login_failed",
                actor=attacker,
                details={"username": "alice"},
                occurred_at=start + timedelta(seconds=number * 10),
            )

    alert = Alert.objects.get(rule__slug="brute-force-per-user")
    assert alert.severity == "high"
    incident = Incident.objects.get()
    assert (incident.kind, incident.severity) == ("account_takeover", "high")
    assert incident.rule.name == "Brute force or account takeover"
    assert incident.correlation_key == "security_alert:brute-force-per-user:alice"
    assert list(incident.security_alerts.all()) == [alert]


def test_the_default_rules_are_shipped():
    rules = {rule.name: rule for rule in IncidentRule.objects.all()}

    assert rules["Brute force or account takeover"].alert_rule_slugs == [
        "brute-force-per-user",
        "account-takeover-sequence",
    ]
    assert rules["Credential stuffing or password spraying"].incident_kind == "credential_stuffing"
    assert rules["Betting fraud ring"].fraud_kinds == ["opposite_side_ring", "copy_ring"]
    slugs = {slug for rule in rules.values() for slug in rule.alert_rule_slugs}
    assert slugs <= set(DetectionRule.objects.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("score", "severity"), [(0.95, "critical"), (0.9, "critical"), (0.8, "high"), (0.5, "medium"), (0.2, "low")]
)
def test_fraud_scores_map_to_severities(score, severity):
    assert fraud_case_severity(score) == severity


def test_a_fraud_ring_case_opens_a_fraud_ring_incident(tenant, actor, django_capture_on_commit_callbacks):
    cappers = [
        capper_create(tenant=tenant, actor=actor, discord_user_id=str(700000000000000100 + n), username=f"ring{n}")
        for n in range(3)
    ]
    finding = Finding(kind="copy_ring", capper_ids=tuple(c.pk for c in cappers), score=0.8, explanation="copied picks")

    with django_capture_on_commit_callbacks(execute=True):
        case, created = fraud_case_record(finding=finding, actor=actor)

    assert created
    incident = Incident.objects.get()
    assert (incident.kind, incident.severity, incident.guild_id) == ("fraud_ring", "high", tenant.guild_id)
    assert list(incident.fraud_cases.all()) == [case]
    assert incident.correlation_key == f"fraud_case:copy_ring:{case.member_key}"


def test_a_weak_fraud_case_opens_nothing(tenant, actor, django_capture_on_commit_callbacks):
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="700000000000000200", username="solo")
    finding = Finding(kind="copy_ring", capper_ids=(capper.pk,), score=0.3, explanation="weak")

    with django_capture_on_commit_callbacks(execute=True):
        fraud_case_record(finding=finding, actor=actor)

    assert Incident.objects.count() == 0


def test_a_check_that_starts_failing_opens_an_incident_once(django_capture_on_commit_callbacks):
    IncidentRule.objects.create(
        name="Detection switched off",
        source="check_failed",
        check_ids=["security.bruteforce_rules_enabled"],
        min_severity="high",
        incident_kind="unauthorized_access",
    )
    DetectionRule.objects.filter(slug="brute-force-per-user").update(is_enabled=False)
    (check,) = checks_for(check_id="security.bruteforce_rules_enabled")

    with django_capture_on_commit_callbacks(execute=True):
        run = check_run_execute(check=check, trigger="manual")
    with django_capture_on_commit_callbacks(execute=True):
        check_run_execute(check=check, trigger="manual")

    assert run.status == "fail"
    incident = Incident.objects.get()
    assert (incident.kind, incident.severity) == ("unauthorized_access", "high")
    assert list(incident.check_runs.all()) == [run]
    assert incident.correlation_key == "check_failed:security.bruteforce_rules_enabled"
