"""Escalation policies: levels 1 to n (n at most 4, no gaps), each with its acknowledgement timeout and
targets. The same rules serve the API and the admin (`levels_validate`); bad input writes nothing."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import MAX_ESCALATION_LEVEL
from apps.incidents.models import EscalationLevel, EscalationPolicy
from apps.incidents.services.notify import targets_prepare, targets_validate


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _level_errors(index: int, entry: Any) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    prefix = f"levels[{index}]"
    if not isinstance(entry, dict):
        return None, {prefix: [_('Each level is {"level", "ack_timeout_seconds", "targets"}.')]}
    errors: dict[str, list[str]] = {}
    level, timeout = _int(entry.get("level")), _int(entry.get("ack_timeout_seconds"))
    if level is None or not 1 <= level <= MAX_ESCALATION_LEVEL:
        errors[f"{prefix}.level"] = [_("A level is a whole number from 1 to %(max)s.") % {"max": MAX_ESCALATION_LEVEL}]
    if timeout is None or timeout < 1:
        errors[f"{prefix}.ack_timeout_seconds"] = [_("A whole number of seconds, at least 1.")]
    try:
        targets = targets_validate(entry.get("targets"), field=f"{prefix}.targets")
    except ApplicationError as error:
        errors.update(error.fields)
        targets = []
    if errors:
        return None, errors
    return {"level": level, "ack_timeout_seconds": timeout, "targets": targets}, {}


def levels_validate(levels: Any, *, critical_start_level: Any = 1) -> list[dict[str, Any]]:
    """The levels sorted and in canonical form; ApplicationError naming each bad field otherwise.

    Levels run from 1 with no gap (1, 1–2, … 1–4), each at most once; a critical incident's start level
    must be one of them."""
    if not isinstance(levels, list) or not levels:
        raise ApplicationError(
            _("A policy has at least one level."), fields={"levels": [_("Give levels 1 to 4 (a list).")]}
        )
    clean, errors = [], {}
    for index, entry in enumerate(levels):
        level, messages = _level_errors(index, entry)
        errors.update(messages)
        if level is not None:
            clean.append(level)
    numbers = [entry["level"] for entry in clean]
    duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
    if duplicates:
        errors.setdefault("levels", []).append(_("Level(s) %(levels)s appear more than once.") % {"levels": duplicates})
    elif not errors and sorted(numbers) != list(range(1, len(numbers) + 1)):
        errors.setdefault("levels", []).append(
            _("Levels run from 1 without a gap; got %(levels)s.") % {"levels": sorted(numbers)}
        )
    start = _int(critical_start_level)
    if start is None or not 1 <= start <= MAX_ESCALATION_LEVEL:
        errors["critical_start_level"] = [_("A level from 1 to %(max)s.") % {"max": MAX_ESCALATION_LEVEL}]
    elif not errors and start > len(numbers):
        errors["critical_start_level"] = [
            _("The policy has no level %(start)s (its levels are 1 to %(count)s).")
            % {"start": start, "count": len(numbers)}
        ]
    if errors:
        raise ApplicationError(_("The escalation policy is not valid."), fields=errors)
    return sorted(clean, key=lambda entry: entry["level"])


def policy_levels(policy: EscalationPolicy) -> list[dict[str, Any]]:
    """The policy's levels in the JSON an incident copies when it opens."""
    return [
        {"level": row.level, "ack_timeout_seconds": row.ack_timeout_seconds, "targets": row.targets}
        for row in policy.levels.order_by("level")
    ]


@transaction.atomic
def escalation_policy_create(
    *,
    actor: Actor,
    name: str,
    levels: list[dict[str, Any]],
    description: str = "",
    is_default: bool = False,
    critical_start_level: int = 1,
) -> EscalationPolicy:
    """Create a policy with its levels (and its webhook targets' endpoints, whose secrets the admin shows).
    A new default policy takes the place of the old one."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("A name of 1 to 100 characters.")]
    elif EscalationPolicy.objects.filter(name=name).exists():
        errors["name"] = [_("A policy named %(name)s exists already.") % {"name": repr(name)}]
    try:
        clean = levels_validate(levels, critical_start_level=critical_start_level)
    except ApplicationError as error:
        errors.update(error.fields)
    if errors:
        raise ApplicationError(_("The escalation policy is not valid."), fields=errors)
    if is_default:
        EscalationPolicy.objects.select_for_update().filter(is_default=True).update(is_default=False)
    try:
        with transaction.atomic():
            policy = EscalationPolicy.objects.create(
                name=name, description=description, is_default=is_default, critical_start_level=critical_start_level
            )
    except IntegrityError as error:  # a concurrent creation of the same name (or default) won the race
        raise ApplicationError(
            _("The escalation policy is not valid."),
            fields={"name": [_("A policy named %(name)s exists already.") % {"name": repr(name)}]},
        ) from error
    EscalationLevel.objects.bulk_create(EscalationLevel(policy=policy, **entry) for entry in clean)
    for entry in clean:
        targets_prepare(entry["targets"])
    audit_record(
        actor=actor,
        action="incidents.escalation_policy_created",
        target=policy,
        changes={"name": name, "is_default": is_default, "critical_start_level": critical_start_level, "levels": clean},
    )
    return policy


def escalation_policy_demote_other_defaults(*, policy: EscalationPolicy) -> None:
    """Before `policy` is saved as the default: the old default gives the place up (one default at most)."""
    if policy.is_default:
        EscalationPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=policy.pk).update(
            is_default=False
        )


def escalation_policy_saved(*, policy: EscalationPolicy, actor: Actor, created: bool) -> None:
    """After the admin saved a policy and its levels (validated by `levels_validate` in its forms): the
    webhook targets' endpoints, and the audit event."""
    levels = policy_levels(policy)
    for entry in levels:
        targets_prepare(entry["targets"])
    audit_record(
        actor=actor,
        action="incidents.escalation_policy_created" if created else "incidents.escalation_policy_changed",
        target=policy,
        changes={
            "name": policy.name,
            "is_default": policy.is_default,
            "critical_start_level": policy.critical_start_level,
            "levels": levels,
        },
    )
