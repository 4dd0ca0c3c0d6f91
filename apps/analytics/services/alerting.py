"""Alert rules and silences: creating, changing, pausing rules; silencing and un-silencing. One
transaction and one audit event each; bad input raises ApplicationError naming the field and what is
allowed (the query's own 400 from MetricQuery.parse), and writes nothing.

Routing (`targets`) uses the incident escalation levels' target format and validation
(apps/incidents/services/notify.py): users, staff roles, e-mail addresses, webhook URLs (a named-only
endpoint with its own Standard Webhooks secret) and Discord webhook URLs. Evaluation and notification are
services/alerting_evaluation.py.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.alerting.rules import query_check_shape, rule_query
from apps.analytics.models import AlertCondition, AlertReducer, AlertRule, AlertSilence
from apps.analytics.models.alerting import MIN_INTERVAL_SECONDS
from apps.analytics.services.alerting_evaluation import alert_rule_stand_down
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.services.notify import targets_prepare, targets_validate
from apps.notifications.choices import Severity

MAX_PENDING_SECONDS = 7 * 24 * 3600
MAX_INTERVAL_SECONDS = 24 * 3600
MAX_SILENCE = timedelta(days=90)
RULE_FIELDS = (
    "name",
    "description",
    "tenant",
    "query",
    "window",
    "reducer",
    "condition",
    "threshold",
    "threshold_high",
    "pending_seconds",
    "interval_seconds",
    "severity",
    "targets",
    "is_enabled",
)
# MetricQuery.parse names the parameter at fault; a rule's dates come from its window
QUERY_FIELDS = {"from": "window", "to": "window"}


def _choice(errors: dict, name: str, value: Any, allowed: list[str]) -> None:
    if value not in allowed:
        errors[name] = [
            _("%(value)s is not one of: %(allowed)s.") % {"value": repr(value), "allowed": ", ".join(allowed)}
        ]


def _whole(errors: dict, name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors[name] = [_("A whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]


def _number(errors: dict, name: str, value: Any, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value or abs(value) == float("inf"):
        errors[name] = [_("A finite number.")]


def _query_errors(data: dict, errors: dict, now: datetime) -> dict | None:
    """The query checked as it will run (its window at `now`); messages under `query.<parameter>` (metrics,
    grain, group_by, filter) or `window` (a range too long for the grain)."""
    try:
        clean = query_check_shape(data.get("query") or {})
        if "window" not in errors:
            rule_query(query=clean, window=data["window"], tenant=data.get("tenant"), now=now)
        return clean
    except ApplicationError as error:
        for name, messages in (error.fields or {"metrics": [error.message]}).items():
            errors.setdefault(QUERY_FIELDS.get(name, f"query.{name}"), []).extend(messages)
        return None


def alert_rule_validate(data: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The rule's fields checked and in canonical form; ApplicationError with a message per bad field."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("A name of 1 to 100 characters.")]
    _choice(errors, "reducer", data.get("reducer"), AlertReducer.values)
    _choice(errors, "condition", data.get("condition"), AlertCondition.values)
    _choice(errors, "severity", data.get("severity"), Severity.values)
    _whole(errors, "window", data.get("window"), 1, 10_000)
    _whole(errors, "pending_seconds", data.get("pending_seconds"), 0, MAX_PENDING_SECONDS)
    _whole(errors, "interval_seconds", data.get("interval_seconds"), MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS)
    _number(errors, "threshold", data.get("threshold"))
    _number(errors, "threshold_high", data.get("threshold_high"), required=False)
    high = data.get("threshold_high")
    if data.get("condition") == AlertCondition.OUTSIDE and "threshold" not in errors and "threshold_high" not in errors:
        if high is None or high <= data["threshold"]:
            errors["threshold_high"] = [_("'outside' needs the range's high end, above the threshold (its low end).")]
    elif data.get("condition") != AlertCondition.OUTSIDE:
        high = None
    query = _query_errors(data, errors, now)
    targets = data.get("targets") or []
    if targets:
        try:
            targets = targets_validate(targets)
        except ApplicationError as error:
            errors.update(error.fields)
    if errors:
        raise ApplicationError(
            _("The alert rule is not valid: %(problems)s")
            % {"problems": " ".join(message for messages in errors.values() for message in messages)},
            fields=errors,
        )
    return {
        **{key: data[key] for key in RULE_FIELDS if key in data},
        "name": name,
        "description": str(data.get("description") or ""),
        "query": {key: query[key] for key in sorted(query)},
        "threshold_high": high,
        "targets": targets,
    }


def _saved(rule: AlertRule) -> AlertRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        scope = rule.tenant.name if rule.tenant_id else "the platform"
        raise ApplicationError(
            _("%(scope)s already has an alert rule named %(name)s: choose another name.")
            % {"scope": scope, "name": repr(rule.name)},
            fields={
                "name": [
                    _("%(scope)s already has an alert rule named %(name)s.") % {"scope": scope, "name": repr(rule.name)}
                ]
            },
        ) from None
    targets_prepare(rule.targets)
    return rule


def _snapshot(rule: AlertRule) -> dict[str, Any]:
    return {
        key: (rule.tenant.guild_id if rule.tenant_id else None) if key == "tenant" else getattr(rule, key)
        for key in RULE_FIELDS
    }


@transaction.atomic
def alert_rule_create(*, actor: Actor, **fields: Any) -> AlertRule:
    """A new rule, checked (its query as it will run), evaluated first at once by the next sweep."""
    clean = alert_rule_validate({"is_enabled": True, "description": "", **fields})
    rule = _saved(AlertRule(**clean, created_by_label=actor.label[:150], next_evaluation_at=timezone.now()))
    audit_record(
        actor=actor,
        action="analytics.alert_rule_created",
        target=rule,
        guild_id=rule.tenant.guild_id if rule.tenant_id else "",
        changes=field_changes({}, _snapshot(rule)),
    )
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, actor: Actor, **fields: Any) -> AlertRule:
    """Change a rule (the same checks as creation); its instances keep their states, evaluated anew at
    the next sweep. `is_enabled` pauses or resumes it (alert_rule_set_enabled). A change to nothing writes
    nothing."""
    is_enabled = fields.pop("is_enabled", None)
    rule = AlertRule.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=rule.pk)
    before = _snapshot(rule)
    clean = alert_rule_validate({**before, "tenant": rule.tenant, **fields})
    clean.pop("is_enabled", None)
    for key, value in clean.items():
        setattr(rule, key, value)
    changes = field_changes(before, _snapshot(rule))
    if changes:
        rule.next_evaluation_at = timezone.now()
        _saved(rule)
        audit_record(
            actor=actor,
            action="analytics.alert_rule_changed",
            target=rule,
            guild_id=rule.tenant.guild_id if rule.tenant_id else "",
            changes=changes,
        )
    if is_enabled is not None:
        rule = alert_rule_set_enabled(rule=rule, actor=actor, is_enabled=is_enabled)
    return rule


@transaction.atomic
def alert_rule_set_enabled(
    *, rule: AlertRule, actor: Actor, is_enabled: bool, now: datetime | None = None
) -> AlertRule:
    """Pause or resume a rule. Pausing resolves its firing instances (told, as Alertmanager tells an alert
    that stopped being sent) and returns pending ones to normal; resuming evaluates it at the next sweep."""
    now = now or timezone.now()
    rule = AlertRule.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=rule.pk)
    if rule.is_enabled == is_enabled:
        return rule
    rule.is_enabled = is_enabled
    rule.next_evaluation_at = now if is_enabled else None
    rule.save(update_fields=["is_enabled", "next_evaluation_at", "updated_at"])
    if not is_enabled:
        alert_rule_stand_down(rule=rule, now=now)
    audit_record(
        actor=actor,
        action="analytics.alert_rule_enabled" if is_enabled else "analytics.alert_rule_disabled",
        target=rule,
        guild_id=rule.tenant.guild_id if rule.tenant_id else "",
        changes={"is_enabled": {"before": not is_enabled, "after": is_enabled}},
    )
    return rule


def _matcher_errors(matchers: Any) -> tuple[dict[str, str], list[str]]:
    if not isinstance(matchers, dict):
        return {}, ['Matchers are label = value pairs, e.g. {"severity": "critical"}.']
    clean, problems = {}, []
    for name, value in matchers.items():
        name, value = str(name).strip(), str(value).strip()
        if not name or len(name) > 64 or len(value) > 200:
            problems.append(f"Matcher {name!r}={value!r}: a label of 1 to 64 characters and a value of at most 200.")
        clean[name] = value
    return clean, problems


@transaction.atomic
def alert_silence_create(
    *,
    actor: Actor,
    comment: str,
    ends_at: datetime,
    starts_at: datetime | None = None,
    rule: AlertRule | None = None,
    matchers: dict[str, str] | None = None,
    user=None,
    now: datetime | None = None,
) -> AlertSilence:
    """Mute the notifications of one rule's instances, or of those whose labels match every matcher, from
    `starts_at` (default now) until `ends_at` (at most 90 days later). Who and why are required."""
    now = now or timezone.now()
    starts_at = starts_at or now
    errors: dict[str, list[str]] = {}
    clean, problems = _matcher_errors(matchers or {})
    if problems:
        errors["matchers"] = problems
    if rule is None and not clean and not problems:
        errors["matchers"] = [_("Silence a rule, or give at least one label matcher (e.g. severity=warning).")]
    if not str(comment or "").strip():
        errors["comment"] = [_("Say why the alerts are silenced (it is kept with the silence).")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The silence must end after it starts.")]
    elif ends_at <= now:
        errors["ends_at"] = [_("The silence would already be over: give an end in the future.")]
    elif ends_at - starts_at > MAX_SILENCE:
        errors["ends_at"] = [_("A silence lasts at most %(days)s days.") % {"days": MAX_SILENCE.days}]
    if errors:
        raise ApplicationError(_("The silence is not valid."), fields=errors)
    silence = AlertSilence.objects.create(
        rule=rule,
        matchers=clean,
        starts_at=starts_at,
        ends_at=ends_at,
        comment=str(comment).strip()[:500],
        created_by=user,
        created_by_label=actor.label[:150],
    )
    audit_record(
        actor=actor,
        action="analytics.alert_silence_created",
        target=silence,
        guild_id=rule.tenant.guild_id if rule is not None and rule.tenant_id else "",
        changes={"rule_id": rule.pk if rule else None, "matchers": clean, "starts_at": starts_at, "ends_at": ends_at},
        reason=silence.comment,
    )
    return silence


@transaction.atomic
def alert_silence_expire(*, silence: AlertSilence, actor: Actor, now: datetime | None = None) -> AlertSilence:
    """End a silence now (its firing instances are told at the next evaluation). An ended one: refused."""
    now = now or timezone.now()
    silence = AlertSilence.objects.select_for_update().get(pk=silence.pk)
    if silence.ends_at <= now:
        raise ApplicationError(_("This silence is over already."), code="silence_over", status_code=409)
    before = silence.ends_at
    silence.ends_at = max(now, silence.starts_at + timedelta(microseconds=1))
    silence.expired_at = now
    silence.expired_by_label = actor.label[:150]
    silence.save(update_fields=["ends_at", "expired_at", "expired_by_label"])
    audit_record(
        actor=actor,
        action="analytics.alert_silence_expired",
        target=silence,
        changes={"ends_at": {"before": before, "after": silence.ends_at}},
    )
    return silence
