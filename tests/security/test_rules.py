"""The shipped rules, table-driven: each fixture file is an event stream and exactly the alerts it must
produce (every other alert is one it must not). Events go through the real service, the Redis windows
and the after-commit evaluation; then the periodic correlation job re-reads the same events from the
database and must find nothing new."""

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.core.cache import cache
from django_redis import get_redis_connection

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.security.choices import AlertStatus
from apps.security.detection.engine import correlate
from apps.security.models import Alert, DetectionRule, DetectionRuleVersion
from apps.security.services import alert_triage, detection_rule_save

pytestmark = pytest.mark.django_db

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.yaml"))


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _produced() -> Counter:
    return Counter(
        (alert.rule.slug, alert.group_key, alert.events.count(), alert.detection_count)
        for alert in Alert.objects.select_related("rule")
    )


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_rule_fixture(path, record_stream):
    fixture = _load(path)
    start = datetime.fromisoformat(fixture["start"])

    stored = record_stream(start, fixture["events"])

    expected = Counter((a["rule"], str(a["key"]), a["events"], a["detections"]) for a in fixture["alerts"])
    assert _produced() == expected, fixture["name"]
    for spec in fixture["alerts"]:
        if "measure" in spec:
            alert = Alert.objects.filter(rule__slug=spec["rule"], group_key=str(spec["key"])).latest("id")
            assert alert.details["measure"] == spec["measure"]
    for alert in Alert.objects.select_related("rule"):
        assert alert.status == AlertStatus.NEW
        assert alert.rule_version == alert.rule.version == 1
        assert alert.compliance_requirements == alert.rule.compliance_requirements
        assert alert.severity == alert.rule.severity
    assert AuditEvent.objects.filter(action="security.alert_raised").count() == Alert.objects.count()

    # the correlation job over the database finds the same detections and changes nothing
    last = max(event.occurred_at for event in stored)
    span = (last - min(event.occurred_at for event in stored)).total_seconds()
    assert correlate(until=last + timedelta(seconds=1), lookback_seconds=int(span) + 60) == []
    assert _produced() == expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_correlation_alone_finds_what_arrival_finds(path, record_stream, settings):
    """With the Redis windows off and events evaluated only by the periodic job (a lost task, a Redis
    outage), the database path produces the same alerts."""
    fixture = _load(path)
    start = datetime.fromisoformat(fixture["start"])
    DetectionRule.objects.update(is_enabled=False)
    stored = record_stream(start, fixture["events"])
    DetectionRule.objects.update(is_enabled=True)
    assert Alert.objects.count() == 0

    last = max(event.occurred_at for event in stored)
    span = (last - min(event.occurred_at for event in stored)).total_seconds()
    correlate(until=last + timedelta(seconds=1), lookback_seconds=int(span) + 60)

    found = Counter((rule, key, events) for rule, key, events, _ in _produced().elements())
    expected = Counter((a["rule"], str(a["key"]), a["events"]) for a in fixture["alerts"])
    assert found == expected, fixture["name"]


def test_the_database_fallback_evaluates_on_arrival_without_redis(record_stream, settings):
    settings.SECURITY_WINDOW_BACKEND = "database"
    fixture = _load(Path(__file__).parent / "fixtures" / "account_takeover.yaml")

    record_stream(datetime.fromisoformat(fixture["start"]), fixture["events"])

    assert list(_produced()) == [("account-takeover-sequence", "203.0.113.50", 5, 1)]
    window_keys = get_redis_connection("default").keys(cache.make_key("security:window:*"))
    assert window_keys == []


def test_the_redis_windows_hold_hashed_keys_that_expire(record_stream):
    record_stream(datetime.fromisoformat("2026-11-30T14:00:00+00:00"), [{"type": "login_failed", "username": "alice"}])

    redis = get_redis_connection("default")
    keys = redis.keys(cache.make_key("security:window:*"))
    assert keys, "the failed login was counted in Redis"
    assert all(b"alice" not in key for key in keys)
    assert all(0 < redis.ttl(key) <= 3600 + 60 for key in keys)


def test_a_disabled_rule_raises_nothing(record_stream):
    DetectionRule.objects.filter(slug="brute-force-per-user").update(is_enabled=False)

    record_stream(
        datetime.fromisoformat("2026-11-30T14:00:00+00:00"),
        [{"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 6, "every": 5}],
    )

    assert Alert.objects.count() == 0


def test_a_resolved_alert_does_not_absorb_a_repeat(record_stream, actor):
    start = datetime.fromisoformat("2026-11-30T14:00:00+00:00")
    burst = {"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 5, "every": 5}
    record_stream(start, [burst])
    first = Alert.objects.get()
    alert_triage(alert=first, actor=actor, status=AlertStatus.RESOLVED, note="password reset")

    record_stream(start, [{**burst, "at": 60}])

    assert Alert.objects.count() == 2
    first.refresh_from_db()
    assert (first.status, first.detection_count, first.events.count()) == (AlertStatus.RESOLVED, 1, 5)


def test_a_dismissed_alert_absorbs_repeats_within_the_suppression_window(record_stream, actor):
    start = datetime.fromisoformat("2026-11-30T14:00:00+00:00")
    burst = {"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 5, "every": 5}
    record_stream(start, [burst])
    alert = Alert.objects.get()
    alert_triage(alert=alert, actor=actor, status=AlertStatus.DISMISSED, note="pen test")

    record_stream(start, [{**burst, "at": 60, "repeat": 1}])

    alert.refresh_from_db()
    assert Alert.objects.count() == 1
    assert (alert.status, alert.detection_count, alert.events.count()) == (AlertStatus.DISMISSED, 2, 6)


def test_editing_a_rule_creates_a_version_and_new_alerts_name_it(record_stream, actor):
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    rule.definition = {**rule.definition, "threshold": 3}
    detection_rule_save(rule=rule, actor=actor, reason="tighter")

    record_stream(
        datetime.fromisoformat("2026-11-30T14:00:00+00:00"),
        [{"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 3, "every": 5}],
    )

    rule.refresh_from_db()
    assert rule.version == 2
    assert list(rule.versions.values_list("version", "snapshot__definition__threshold", "reason")) == [
        (2, 3, "tighter"),
        (1, 5, "shipped default"),
    ]
    assert Alert.objects.get().rule_version == 2
    event = AuditEvent.objects.get(action="security.detection_rule_changed")
    assert event.changes["definition"]["before"]["threshold"] == 5
    assert event.changes["version"] == {"after": 2}


def test_saving_an_unchanged_rule_keeps_its_version(actor):
    rule = DetectionRule.objects.get(slug="brute-force-per-user")

    detection_rule_save(rule=rule, actor=actor)

    assert DetectionRuleVersion.objects.filter(rule=rule).count() == 1
    assert not AuditEvent.objects.filter(action__startswith="security.detection_rule").exists()


@pytest.mark.parametrize(
    ("kind", "definition", "problem"),
    [
        ("threshold", {"event_types": ["nope"], "threshold": 3}, "unknown type"),
        ("threshold", {"event_types": ["login_failed"], "threshold": 0}, "threshold"),
        ("threshold", {"event_types": ["login_failed"], "threshold": 2, "group_by": "password"}, "group_by"),
        ("sequence", {"steps": [{"event_types": ["login_failed"]}]}, "steps"),
    ],
)
def test_an_invalid_rule_is_refused_and_nothing_changes(actor, kind, definition, problem):
    rule = DetectionRule(slug="custom", name="custom", kind=kind, definition=definition)

    with pytest.raises(ApplicationError) as refused:
        detection_rule_save(rule=rule, actor=actor)

    assert problem in refused.value.message
    assert not DetectionRule.objects.filter(slug="custom").exists()
