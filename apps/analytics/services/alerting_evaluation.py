"""Evaluating alert rules and telling people: beat's sweep claims the rules that are due and enqueues one
evaluation each (through the outbox); an evaluation runs the rule's query over its window, reduces each
series, moves each series' instance through normal → pending → firing → resolved (alerting/states.py) and
tells the rule's targets through the notification layer when an instance fires and when it resolves.

A matching silence mutes the telling, not the state: the instance still fires (the history records the
silence), and it is told at the first evaluation after the silence ends if it is still firing. A
resolution is told only for a firing that was told. Each notification is keyed by the instance and the
moment it started firing, so a retried evaluation never tells twice. Every state change is one history
row and one audit event; evaluations that change nothing write only the instance's last value.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.analytics.alerting.rules import Series, condition_met, reduce_values, rule_query, series_of, value_text
from apps.analytics.alerting.states import Step, advance
from apps.analytics.models import AlertInstance, AlertRule, AlertSilence, AlertState, AlertStateChange
from apps.analytics.query import run_query
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError
from apps.incidents.choices import TargetKind
from apps.notifications.choices import EventKind
from apps.notifications.models import Notification
from apps.notifications.services import Recipients, discord_target, notification_send, webhook_target

logger = logging.getLogger(__name__)

ALERTING_ACTOR = Actor.system("analytics-alerting")
DISPATCH_BATCH = 500


def rule_recipients(targets: list[dict[str, Any]]) -> Recipients:
    """The notification layer's recipients of a rule's targets (webhook and Discord URLs become named-only
    destinations, created once per URL with their own secret)."""
    by_kind: dict[str, list] = {kind: [] for kind in TargetKind.values}
    for target in targets:
        kind = target.get("kind")
        if kind == TargetKind.USER:
            by_kind[kind].append(target["user_id"])
        elif kind == TargetKind.ROLE:
            by_kind[kind].append(target["role"])
        elif kind == TargetKind.EMAIL:
            by_kind[kind].append(target["address"])
        elif kind == TargetKind.WEBHOOK:
            by_kind[kind].append(webhook_target(url=target["url"], name=f"alert target {target['url']}").pk)
        elif kind == TargetKind.DISCORD:
            by_kind[kind].append(discord_target(url=target["url"]).pk)
    return Recipients(
        user_ids=by_kind[TargetKind.USER],
        roles=by_kind[TargetKind.ROLE],
        addresses=by_kind[TargetKind.EMAIL],
        webhook_ids=by_kind[TargetKind.WEBHOOK],
        discord_channel_ids=by_kind[TargetKind.DISCORD],
    )


def instance_labels(rule: AlertRule, series_labels: dict[str, str]) -> dict[str, str]:
    """What a silence's matchers are compared with: the rule's name, severity, scope and metric, and the
    series' group-by values."""
    return {
        "alertname": rule.name,
        "rule_id": str(rule.pk),
        "severity": rule.severity,
        "tenant": rule.tenant.guild_id if rule.tenant_id else "platform",
        "metric": rule.metric,
        **series_labels,
    }


def active_silences(*, now: datetime) -> list[AlertSilence]:
    return list(
        AlertSilence.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .filter(Q(expired_at__isnull=True) | Q(expired_at__gt=now))
        .order_by("pk")
    )


def _silence_for(rule: AlertRule, labels: dict, silences: list[AlertSilence], now: datetime) -> AlertSilence | None:
    return next((row for row in silences if row.is_active_at(now) and row.matches(rule, labels)), None)


def _tell(rule: AlertRule, instance: AlertInstance, *, kind: str, now: datetime, note: str = "") -> Notification | None:
    moment = instance.firing_since or now
    context = {
        "rule_id": rule.pk,
        "rule_name": rule.name,
        "state": instance.state,
        "severity": rule.severity,
        "scope": rule.scope_label,
        "guild_id": rule.tenant.guild_id if rule.tenant_id else "",
        "metric": rule.metric,
        "series": instance.series_key,
        "labels": instance.labels,
        "condition": rule.condition_text,
        "value": instance.value,
        "value_text": value_text(rule.metric, instance.value),
        "at": now.isoformat(),
        "pending_since": instance.pending_since.isoformat() if instance.pending_since else "",
        "firing_since": moment.isoformat(),
        "note": note,
        "portal_path": f"/portal/analytics/alerts/{rule.pk}/",
    }
    suffix = "firing" if kind == EventKind.ANALYTICS_ALERT_FIRING else "resolved"
    return notification_send(
        kind=kind,
        key=f"analytics-alert:{instance.pk}:{moment.isoformat()}:{suffix}",
        context=context,
        recipients=rule_recipients(rule.targets),
        severity=rule.severity,
        guild_id=context["guild_id"],
        now=now,
    )


def _record(rule, instance, before: str, *, now, note="", notification=None, silence=None) -> AlertStateChange:
    change = AlertStateChange.objects.create(
        instance=instance,
        rule=rule,
        from_state=before,
        to_state=instance.state,
        value=instance.value,
        at=now,
        note=note[:300],
        notification=notification,
        silenced_by=silence,
    )
    audit_record(
        actor=ALERTING_ACTOR,
        action="analytics.alert_state_changed",
        target=instance,
        guild_id=rule.tenant.guild_id if rule.tenant_id else "",
        changes={
            "rule_id": rule.pk,
            "series": instance.series_key,
            "state": {"before": before, "after": instance.state},
            "value": instance.value,
            "notification_id": notification.pk if notification is not None else None,
            "silence_id": silence.pk if silence is not None else None,
        },
        reason=note,
    )
    return change


def _apply(instance: AlertInstance, step: Step) -> None:
    instance.state = step.state
    instance.pending_since = step.pending_since
    instance.firing_since = step.firing_since
    instance.resolved_at = step.resolved_at


def _notify_firing(rule, instance, before, *, now, silence, changed) -> None:
    """Tell a firing that was not told yet, unless silenced (then the history says which silence)."""
    if silence is not None:
        if changed:
            _record(rule, instance, before, now=now, note="fired while silenced: not told", silence=silence)
        return
    notification = _tell(rule, instance, kind=EventKind.ANALYTICS_ALERT_FIRING, now=now)
    instance.firing_notified_at = now
    note = "fired: told" if changed else "still firing after its silence ended: told now"
    _record(rule, instance, before, now=now, note=note, notification=notification)


def _resolve(rule, instance, before, *, now, silence, note="") -> None:
    notification = None
    if instance.firing_notified_at is not None and silence is None:
        notification = _tell(rule, instance, kind=EventKind.ANALYTICS_ALERT_RESOLVED, now=now, note=note)
    told = "told" if notification is not None else ("silenced" if silence is not None else "firing was never told")
    _record(rule, instance, before, now=now, note=f"{note or 'resolved'}: {told}", notification=notification,
            silence=silence)  # fmt: skip
    instance.firing_notified_at = None


def _evaluate_instance(rule, instance, value, *, now, silences) -> None:
    before = instance.state
    met = condition_met(rule.condition, value, rule.threshold, rule.threshold_high)
    step = advance(
        state=instance.state,
        pending_since=instance.pending_since,
        firing_since=instance.firing_since,
        resolved_at=instance.resolved_at,
        met=met,
        now=now,
        pending_seconds=rule.pending_seconds,
    )
    _apply(instance, step)
    instance.value = value
    instance.last_evaluated_at = now
    changed = step.changed_from(before)
    silence = _silence_for(rule, instance_labels(rule, instance.labels), silences, now)
    if instance.state == AlertState.FIRING and instance.firing_notified_at is None:
        _notify_firing(rule, instance, before, now=now, silence=silence, changed=changed)
    elif instance.state == AlertState.RESOLVED and changed:
        _resolve(rule, instance, before, now=now, silence=silence)
    elif changed:
        _record(rule, instance, before, now=now, note=f"condition {'met' if met else 'not met'}")
    instance.save()


def _series(rule: AlertRule, now: datetime) -> list[Series]:
    query = rule_query(query=rule.query, window=rule.window, tenant=rule.tenant, now=now)
    return series_of(run_query(query), query, window=rule.window, now=now)


@transaction.atomic
def alert_rule_evaluate(*, rule_id: int, now: datetime | None = None) -> list[AlertInstance]:
    """Evaluate one rule at `now` (default: the clock): each series' instance advanced, told when it fires
    or resolves. A paused or removed rule: nothing. A query that no longer checks (a metric removed from the
    registry): `last_error` says why, the instances keep their states."""
    now = now or timezone.now()
    rule = AlertRule.objects.select_for_update(of=("self",)).select_related("tenant").filter(pk=rule_id).first()
    if rule is None or not rule.is_enabled:
        return []
    rule.last_evaluated_at = now
    try:
        found = _series(rule, now)
    except ApplicationError as error:
        rule.last_error = error.message[:500]
        rule.save(update_fields=["last_evaluated_at", "last_error"])
        logger.warning("alert rule %s not evaluated: %s", rule.pk, error.message)
        return []
    rule.last_error = ""
    rule.save(update_fields=["last_evaluated_at", "last_error"])
    instances = {row.series_key: row for row in rule.instances.select_for_update().order_by("pk")}
    silences = active_silences(now=now)
    for series in found:
        instance = instances.pop(series.key, None)
        if instance is None:
            instance = AlertInstance.objects.create(rule=rule, series_key=series.key, labels=series.labels)
        _evaluate_instance(rule, instance, reduce_values(rule.reducer, series.values), now=now, silences=silences)
    for instance in instances.values():  # a series that no longer answers: no data
        if instance.state in (AlertState.PENDING, AlertState.FIRING):
            _evaluate_instance(rule, instance, None, now=now, silences=silences)
    return list(rule.instances.order_by("series_key"))


def alert_rule_stand_down(*, rule: AlertRule, now: datetime) -> None:
    """A paused rule's instances: firing ones resolved (told if their firing was), pending ones to normal.
    Called inside alert_rule_set_enabled's transaction."""
    silences = active_silences(now=now)
    for instance in rule.instances.select_for_update().filter(state__in=[AlertState.PENDING, AlertState.FIRING]):
        before = instance.state
        silence = _silence_for(rule, instance_labels(rule, instance.labels), silences, now)
        if before == AlertState.FIRING:
            instance.state, instance.resolved_at, instance.pending_since = AlertState.RESOLVED, now, None
            _resolve(rule, instance, before, now=now, silence=silence, note="the rule was paused")
        else:
            instance.state, instance.pending_since = AlertState.NORMAL, None
            _record(rule, instance, before, now=now, note="the rule was paused")
        instance.save()


@transaction.atomic
def alert_rules_dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Claim the enabled rules whose evaluation is due (their next one moves an interval on) and enqueue one
    evaluation each; a rule claimed by a concurrent sweep is skipped. Returns the rule ids."""
    from apps.analytics.tasks import alert_rule_evaluate_task  # noqa: PLC0415 - the tasks import this module

    now = now or timezone.now()
    due = list(
        AlertRule.objects.select_for_update(skip_locked=True)
        .filter(is_enabled=True)
        .filter(Q(next_evaluation_at__isnull=True) | Q(next_evaluation_at__lte=now))
        .order_by("next_evaluation_at", "pk")[:DISPATCH_BATCH]
    )
    for rule in due:
        rule.next_evaluation_at = now + timedelta(seconds=rule.interval_seconds)
        enqueue(alert_rule_evaluate_task, rule.pk)
    AlertRule.objects.bulk_update(due, ["next_evaluation_at"])
    return [rule.pk for rule in due]
