"""Security test helpers: recording event streams through the real service (Redis windows, after-commit
evaluation) with times relative to a fixed start."""

from datetime import datetime, timedelta

import pytest

from apps.core.actors import Actor
from apps.security.services import security_event_record


def stream_actor(spec: dict) -> Actor:
    """The actor of a fixture event: a staff user (`actor_id`), or an anonymous client."""
    if "actor_id" in spec:
        return Actor(
            kind="user",
            identifier=str(spec["actor_id"]),
            label=spec.get("actor", f"user{spec['actor_id']}"),
            ip_address=spec.get("ip"),
        )
    return Actor(kind="system", identifier="anonymous", label=spec.get("username", ""), ip_address=spec.get("ip"))


def expand(events: list[dict]) -> list[dict]:
    """Unroll `repeat: N, every: S` entries; `{n}` in string values becomes the repetition number."""
    rows = []
    for spec in events:
        repeat = int(spec.get("repeat", 1))
        for number in range(repeat):
            row = {
                key: value.format(n=number) if isinstance(value, str) else value
                for key, value in spec.items()
                if key not in ("repeat", "every")
            }
            row["at"] = spec.get("at", 0) + number * spec.get("every", 0)
            rows.append(row)
    return sorted(rows, key=lambda row: row["at"])


@pytest.fixture
def record_stream(django_capture_on_commit_callbacks):
    """record_stream(start, events) -> the stored events, each evaluated on arrival (eager task)."""

    def _record(start: datetime, events: list[dict]):
        stored = []
        for spec in expand(events):
            details = dict(spec.get("details", {}))
            for name in ("username", "prefix", "subject_id"):
                if name in spec:
                    details[name] = spec[name]
            with django_capture_on_commit_callbacks(execute=True):
                stored.append(
                    security_event_record(
                        event_type=spec["type"],
                        actor=stream_actor(spec),
                        details=details,
                        occurred_at=start + timedelta(seconds=spec["at"]),
                    )
                )
        return stored

    return _record
