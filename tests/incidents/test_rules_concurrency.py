"""Two alerts of one correlation key handled at the same moment open one incident (real transactions: the
per-key advisory lock serializes them, the second joins)."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from apps.incidents.models import Incident, IncidentRule
from apps.incidents.services.rules import incident_open_for_alert
from apps.security.models import Alert, DetectionRule

# the lines opening by rule writes; the opened incident's playbook, escalation and clocks add their own
# (tested in test_playbooks_*, test_escalation*, test_clocks)
RULE_LINES = ("opened", "joined")

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(*targets) -> list:
    start = threading.Barrier(len(targets))
    outcomes: list = [None] * len(targets)

    def run(index: int, target) -> None:
        try:
            start.wait()
            outcomes[index] = ("ok", target())
        except Exception as error:  # noqa: BLE001 - the test asserts on what each thread got
            outcomes[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, target)) for index, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not thread.is_alive() for thread in threads)
    return outcomes


def _alerts(count: int) -> list[Alert]:
    # a transactional test may run after another emptied the tables: make the rows it needs
    rule, _ = DetectionRule.objects.get_or_create(
        slug="race-rule", defaults={"name": "Race rule", "kind": "threshold", "severity": "high"}
    )
    IncidentRule.objects.create(
        name="Race", source="security_alert", alert_rule_slugs=["race-rule"], incident_kind="other", position=1
    )
    now = timezone.now()
    values = {"rule": rule, "rule_version": 1, "severity": "high", "dedup_key": "race-rule:k", "group_key": "k"}
    return [
        Alert.objects.create(title=f"Race {number}", first_seen_at=now, last_seen_at=now, **values)
        for number in range(count)
    ]


def test_two_alerts_of_one_key_at_once_open_one_incident():
    alerts = _alerts(2)

    outcomes = _run_at_once(*[lambda alert=alert: incident_open_for_alert(alert=alert) for alert in alerts])

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    incident = Incident.objects.get()
    assert {value.pk for _, value in outcomes} == {incident.pk}
    assert set(incident.security_alerts.all()) == set(alerts)
    assert sorted(incident.timeline.filter(kind__in=RULE_LINES).values_list("kind", flat=True)) == ["joined", "opened"]


def test_one_alert_handled_twice_at_once_opens_one_incident_with_one_line():
    (alert,) = _alerts(1)

    outcomes = _run_at_once(*[lambda: incident_open_for_alert(alert=alert)] * 2)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    incident = Incident.objects.get()
    assert list(incident.security_alerts.all()) == [alert]
    assert list(incident.timeline.filter(kind__in=RULE_LINES).values_list("kind", flat=True)) == ["opened"]
