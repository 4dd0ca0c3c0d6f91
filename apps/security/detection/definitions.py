"""Validation of a rule's definition: a wrong rule must be refused when saved, not fail when run."""

from typing import Any

from apps.core.errors import ApplicationError
from apps.security.choices import RuleKind, SecurityEventType
from apps.security.detection.matching import is_valid_path


def _filter_problems(spec: Any, where: str) -> list[str]:
    if not isinstance(spec, dict):
        return [f"{where} must be an object."]
    problems = []
    types = spec.get("event_types")
    if not isinstance(types, list) or not types:
        problems.append(f"{where}.event_types must be a non-empty list of event types.")
    else:
        problems += [f"{where}.event_types: unknown type {t!r}." for t in types if t not in SecurityEventType.values]
    match = spec.get("match", {})
    if not isinstance(match, dict) or not all(is_valid_path(path) for path in match):
        problems.append(f"{where}.match must map field paths (e.g. details.username) to a value or a list.")
    hours = spec.get("outside_hours")
    if hours is not None and not (
        isinstance(hours, dict)
        and all(isinstance(hours.get(name), int) and 0 <= hours[name] <= 24 for name in ("start", "end"))
    ):
        problems.append(f"{where}.outside_hours must be {{'start': 0-24, 'end': 0-24, 'timezone': 'UTC'}}.")
    return problems


def definition_validate(*, kind: str, definition: Any) -> None:
    """Raise ApplicationError naming every problem of a rule definition of this kind."""
    if not isinstance(definition, dict):
        raise ApplicationError("The definition must be a JSON object.", fields={"definition": ["Not an object."]})
    problems: list[str] = []
    if kind in (RuleKind.THRESHOLD, RuleKind.SEQUENCE) and not is_valid_path(definition.get("group_by", "global")):
        problems.append("group_by must be a field path such as ip_address, details.username or global.")
    if kind == RuleKind.THRESHOLD:
        problems += _filter_problems(definition, "definition")
        threshold = definition.get("threshold")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
            problems.append("threshold must be a whole number of at least 1.")
        if "distinct" in definition and not is_valid_path(definition["distinct"]):
            problems.append("distinct must be a field path.")
    elif kind == RuleKind.SEQUENCE:
        steps = definition.get("steps")
        if not isinstance(steps, list) or len(steps) < 2:
            problems.append("steps must be a list of at least two filters.")
        else:
            for number, step in enumerate(steps):
                problems += _filter_problems(step, f"steps[{number}]")
    if problems:
        raise ApplicationError(" ".join(problems), code="invalid_rule", fields={"definition": problems})
