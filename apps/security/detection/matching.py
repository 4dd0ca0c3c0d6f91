"""Pure functions over events: does an event match a rule's filter, what is its group key, and do the
events of one key meet a threshold or complete a sequence. No ORM, no cache: tested on plain rows.

Field paths name an event's attribute (`event_type`, `actor_kind`, `actor_identifier`, `actor_label`,
`guild_id`, `ip_address`, `user_agent`), a key of its details (`details.username`), the network of its
address (`ip_prefix`: the /24 of IPv4, the /48 of IPv6) or `global` (one group for everything).
"""

import ipaddress
from collections import Counter
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

GLOBAL_KEY = "*"
TOP_LEVEL_FIELDS = (
    "event_type",
    "actor_kind",
    "actor_identifier",
    "actor_label",
    "guild_id",
    "ip_address",
    "user_agent",
)
DERIVED_FIELDS = ("ip_prefix", "global")


def ip_prefix(address: str | None) -> str | None:
    """The /24 network of an IPv4 address or the /48 of an IPv6 one, as text."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    length = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{length}", strict=False))


def field_value(event: Any, path: str) -> str | None:
    """The value of a field path on an event, as text (None when absent or empty)."""
    if path == "global":
        return GLOBAL_KEY
    if path == "ip_prefix":
        return ip_prefix(event.ip_address)
    if path.startswith("details."):
        value = (event.details or {}).get(path.removeprefix("details."))
    elif path in TOP_LEVEL_FIELDS:
        value = getattr(event, path)
    else:
        raise ValueError(f"unknown field path {path!r}")
    if value is None or value == "":
        return None
    return str(value)


def is_valid_path(path: Any) -> bool:
    if not isinstance(path, str):
        return False
    return path in TOP_LEVEL_FIELDS or path in DERIVED_FIELDS or (path.startswith("details.") and len(path) > 8)


def _outside_hours(spec: dict, event: Any) -> bool:
    """True when the event's local hour is outside [start, end) of the business day."""
    zone = ZoneInfo(spec.get("timezone", "UTC"))
    hour = event.occurred_at.astimezone(zone if zone else UTC).hour
    start, end = int(spec["start"]), int(spec["end"])
    inside = start <= hour < end if start <= end else (hour >= start or hour < end)
    return not inside


def event_matches(spec: dict, event: Any) -> bool:
    """Whether an event passes a filter: its type, every `match` field, and `outside_hours` if given."""
    if event.event_type not in spec.get("event_types", ()):
        return False
    for path, wanted in (spec.get("match") or {}).items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if field_value(event, path) not in {str(value) for value in allowed}:
            return False
    hours = spec.get("outside_hours")
    return not (hours and not _outside_hours(hours, event))


def group_key(definition: dict, event: Any) -> str | None:
    return field_value(event, definition.get("group_by", "global"))


def threshold_measure(events: Sequence[Any], definition: dict) -> int:
    """The count a threshold compares: events, or distinct values of `distinct` (optionally only the
    values seen at most `max_per_distinct` times: many accounts tried once or twice each)."""
    distinct = definition.get("distinct")
    if not distinct:
        return len(events)
    counts = Counter(value for value in (field_value(event, distinct) for event in events) if value is not None)
    ceiling = definition.get("max_per_distinct")
    if ceiling:
        return sum(1 for count in counts.values() if count <= int(ceiling))
    return len(counts)


def threshold_detections(events: Sequence[Any], definition: dict, window_seconds: int) -> list[tuple[list[Any], int]]:
    """The detections among one group's time-ordered events: each is the union of overlapping windows
    that meet the threshold, with the highest measure of those windows. Bursts separated by quiet
    time are separate detections (the alert service then decides whether they are one alert)."""
    threshold = int(definition["threshold"])
    detections: list[tuple[dict[int, Any], int]] = []
    last_end = -1
    start = 0
    for end, last in enumerate(events):
        while (last.occurred_at - events[start].occurred_at).total_seconds() > window_seconds:
            start += 1
        window = events[start : end + 1]
        measure = threshold_measure(window, definition)
        if measure < threshold:
            continue
        if detections and start <= last_end:  # overlaps the current detection: extend it
            members, highest = detections[-1]
            members.update((index, events[index]) for index in range(start, end + 1))
            detections[-1] = (members, max(highest, measure))
        else:
            detections.append(({index: events[index] for index in range(start, end + 1)}, measure))
        last_end = end
    return [([members[index] for index in sorted(members)], highest) for members, highest in detections]


def sequence_match(events: Sequence[Any], steps: list[dict], window_seconds: int) -> list[Any] | None:
    """The earliest run of `steps` in order within the window among time-ordered events, or None.

    A step matches `min_count` events (default 1) before the next step may start; further events of
    the step just completed, seen before the next step matches, join the evidence.
    """
    for start, first in enumerate(events):
        if not event_matches(steps[0], first):
            continue
        evidence, step, count = [], 0, 0
        for event in events[start:]:
            if (event.occurred_at - first.occurred_at).total_seconds() > window_seconds:
                break
            if event_matches(steps[step], event):
                evidence.append(event)
                count += 1
                if count >= int(steps[step].get("min_count", 1)):
                    if step == len(steps) - 1:
                        return evidence
                    step, count = step + 1, 0
            elif step > 0 and count == 0 and event_matches(steps[step - 1], event):
                evidence.append(event)
        # no completion from this start: a later start may still fit the window
    return None
