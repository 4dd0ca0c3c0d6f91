"""Validation of a rule's definition: a wrong rule must be refused when saved, not fail when run."""

from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.security.choices import RuleKind, SecurityEventType
from apps.security.detection.matching import is_valid_path


def _filter_problems(spec: Any, where: str) -> list[str]:
    if not isinstance(spec, dict):
        return [f"{where} must be an object."]
    problems = []
    types = spec.get("event_types")
    if not isinstance(types, list) or not types:
        problems.append(_("%(where)s.event_types must be a non-empty list of event types.") % {"where": where})
    else:
        problems += [
            _("%(where)s.event_types: unknown type %(event_type)r.") % {"where": where, "event_type": t}
            for t in types
            if t not in SecurityEventType.values
        ]
    match = spec.get("match", {})
    if not isinstance(match, dict) or not all(is_valid_path(path) for path in match):
        problems.append(
            _("%(where)s.match must map field paths (e.g. details.username) to a value or a list.") % {"where": where}
        )
    hours = spec.get("outside_hours")
    if hours is not None and not (
        isinstance(hours, dict)
        and all(isinstance(hours.get(name), int) and 0 <= hours[name] <= 24 for name in ("start", "end"))
    ):
        problems.append(
            _("%(where)s.outside_hours must be {'start': 0-24, 'end': 0-24, 'timezone': 'UTC'}.") % {"where": where}
        )
    return problems


def definition_validate(*, kind: str, definition: Any) -> None:
    """Raise ApplicationError naming every problem of a rule definition of this kind."""
    if not isinstance(definition, dict):
        raise ApplicationError(_("The definition must be a JSON object."), fields={"definition": [_("Not an object.")]})
    problems: list[str] = []
    if kind in (RuleKind.THRESHOLD, RuleKind.SEQUENCE) and not is_valid_path(definition.get("group_by", "global")):
        problems.append(_("group_by must be a field path such as ip_address, details.username or global."))
    if kind == RuleKind.THRESHOLD:
        problems += _filter_problems(definition, "definition")
        threshold = definition.get("threshold")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
            problems.append(_("threshold must be a whole number of at least 1."))
        if "distinct" in definition and not is_valid_path(definition["distinct"]):
            problems.append(_("distinct must be a field path."))
    elif kind == RuleKind.SEQUENCE:
        steps = definition.get("steps")
        if not isinstance(steps, list) or len(steps) < 2:
            problems.append(_("steps must be a list of at least two filters."))
        else:
            for number, step in enumerate(steps):
                problems += _filter_problems(step, f"steps[{number}]")
    if problems:
        raise ApplicationError(" ".join(problems), code="invalid_rule", fields={"definition": problems})
