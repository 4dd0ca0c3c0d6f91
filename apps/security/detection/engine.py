"""Running the rules: on each event as it arrives (Redis windows first) and periodically over the
database (the correlation job, which also catches what a lost task or a Redis outage missed)."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from apps.keyring.fields import blind_index_for
from apps.security.choices import RuleKind
from apps.security.detection.matching import (
    event_matches,
    group_key,
    sequence_match,
    threshold_detections,
    threshold_measure,
)
from apps.security.detection.windows import RedisWindows, redis_windows, window_key
from apps.security.models import Alert, DetectionRule, SecurityEvent
from apps.security.services.alerts import alert_raise


def _event_types(rule: DetectionRule) -> set[str]:
    if rule.kind == RuleKind.SEQUENCE:
        return {event_type for step in rule.definition["steps"] for event_type in step["event_types"]}
    return set(rule.definition["event_types"])


def _candidates(rule: DetectionRule, *, start: datetime, end: datetime, key: str | None = None) -> list[SecurityEvent]:
    """The rule's events in [start, end], of one group when `key` is given, time-ordered."""
    events: QuerySet = SecurityEvent.objects.filter(
        event_type__in=_event_types(rule), occurred_at__gte=start, occurred_at__lte=end
    )
    path = rule.definition.get("group_by", "global")
    if key is not None and path.startswith("details."):
        events = events.filter(**{f"details__{path.removeprefix('details.')}": key})
    elif key is not None and path == "ip_address":  # encrypted at rest: match through the blind index
        events = events.filter(ip_address_index=blind_index_for(SecurityEvent, "ip_address_index", key))
    elif key is not None and path not in ("global", "ip_prefix"):
        events = events.filter(**{path: key})
    rows = list(events.order_by("occurred_at", "id"))
    if rule.kind == RuleKind.THRESHOLD:
        rows = [event for event in rows if event_matches(rule.definition, event)]
    return [event for event in rows if key is None or group_key(rule.definition, event) == key]


def _threshold_details(rule: DetectionRule, measure: int, events: list[SecurityEvent]) -> dict:
    definition = rule.definition
    return {
        "measure": measure,
        "measured": f"distinct {definition['distinct']}" if definition.get("distinct") else "events",
        "threshold": definition["threshold"],
        "window_seconds": rule.window_seconds,
        "group_by": definition.get("group_by", "global"),
        "event_count": len(events),
    }


def _threshold_on_arrival(rule: DetectionRule, event: SecurityEvent, windows: RedisWindows | None):
    definition = rule.definition
    if not event_matches(definition, event):
        return None
    key = group_key(definition, event)
    if key is None:
        return None
    at = event.occurred_at.timestamp()
    if windows is not None:
        distinct = definition.get("distinct")
        member = group_key({"group_by": distinct}, event) if distinct else f"event:{event.pk}"
        if member is None:
            return None  # no value to count distinctly (e.g. a failed login without a username)
        count = windows.add_and_count(
            key=window_key(rule_id=rule.pk, version=rule.version, group=key),
            member=member,
            at=at,
            window_seconds=rule.window_seconds,
        )
        if count < definition["threshold"]:
            return None  # the common case: no database read at all
    start = event.occurred_at - timedelta(seconds=rule.window_seconds)
    window = _candidates(rule, start=start, end=event.occurred_at, key=key)
    measure = threshold_measure(window, definition)
    if measure < definition["threshold"]:
        return None
    return alert_raise(
        rule=rule,
        group_key=key,
        events=window,
        details=_threshold_details(rule, measure, window),
        seen_at=event.occurred_at,
        guild_id=event.guild_id,
    )


def _sequence_details(rule: DetectionRule, evidence: list[SecurityEvent]) -> dict:
    return {
        "steps": [event.event_type for event in evidence],
        "window_seconds": rule.window_seconds,
        "group_by": rule.definition.get("group_by", "global"),
        "span_seconds": (evidence[-1].occurred_at - evidence[0].occurred_at).total_seconds(),
    }


def _sequence_on_arrival(rule: DetectionRule, event: SecurityEvent, windows: RedisWindows | None):
    steps = rule.definition["steps"]
    if not any(event_matches(step, event) for step in steps):
        return None
    key = group_key(rule.definition, event)
    if key is None:
        return None
    start = event.occurred_at - timedelta(seconds=rule.window_seconds)
    if windows is not None:
        redis_key = window_key(rule_id=rule.pk, version=rule.version, group=key, part="sequence")
        windows.add_and_count(
            key=redis_key, member=str(event.pk), at=event.occurred_at.timestamp(), window_seconds=rule.window_seconds
        )
        if not event_matches(steps[-1], event):
            return None
        ids = windows.members_between(key=redis_key, start=start.timestamp(), end=event.occurred_at.timestamp())
        window = list(SecurityEvent.objects.filter(pk__in=ids).order_by("occurred_at", "id"))
    else:
        if not event_matches(steps[-1], event):
            return None
        window = _candidates(rule, start=start, end=event.occurred_at, key=key)
    evidence = sequence_match(window, steps, rule.window_seconds)
    if evidence is None:
        return None
    return alert_raise(
        rule=rule,
        group_key=key,
        events=evidence,
        details=_sequence_details(rule, evidence),
        seen_at=evidence[-1].occurred_at,
        guild_id=event.guild_id,
    )


def enabled_rules() -> list[DetectionRule]:
    return list(
        DetectionRule.objects.filter(is_enabled=True, kind__in=[RuleKind.THRESHOLD, RuleKind.SEQUENCE]).order_by("pk")
    )


def event_evaluate(*, event_id: int) -> list[Alert]:
    """Run every enabled rule on one new event; returns the alerts it opened or updated."""
    event = SecurityEvent.objects.filter(pk=event_id).first()
    if event is None:
        return []
    windows = redis_windows()
    results = []
    for rule in enabled_rules():
        if rule.kind == RuleKind.THRESHOLD:
            result = _threshold_on_arrival(rule, event, windows)
        else:
            result = _sequence_on_arrival(rule, event, windows)
        if result is not None:
            results.append(result[0])
    return results


def correlate(*, until: datetime | None = None, lookback_seconds: int | None = None) -> list[Alert]:
    """Evaluate every enabled rule over the stored events of the last `lookback_seconds` (plus each
    rule's window); a detection already on an alert changes nothing."""
    until = until or timezone.now()
    lookback = timedelta(seconds=lookback_seconds or settings.SECURITY_CORRELATION_LOOKBACK_SECONDS)
    results = []
    for rule in enabled_rules():
        start = until - lookback - timedelta(seconds=rule.window_seconds)
        groups: dict[str, list[SecurityEvent]] = defaultdict(list)
        for event in _candidates(rule, start=start, end=until):
            key = group_key(rule.definition, event)
            if key is not None:
                groups[key].append(event)
        for key, events in sorted(groups.items()):
            if rule.kind == RuleKind.THRESHOLD:
                detections = [
                    (evidence, _threshold_details(rule, measure, evidence))
                    for evidence, measure in threshold_detections(events, rule.definition, rule.window_seconds)
                ]
            else:
                evidence = sequence_match(events, rule.definition["steps"], rule.window_seconds)
                detections = [(evidence, _sequence_details(rule, evidence))] if evidence else []
            for evidence, details in detections:
                result = alert_raise(
                    rule=rule,
                    group_key=key,
                    events=evidence,
                    details=details,
                    seen_at=evidence[-1].occurred_at,
                    guild_id=evidence[-1].guild_id,
                )
                if result is not None:
                    results.append(result[0])
    return results
