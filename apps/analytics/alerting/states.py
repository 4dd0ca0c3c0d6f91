"""The state machine of one alert instance (Grafana's): normal → pending → firing → resolved.

The condition holding starts the pending period (or fires at once when it is 0); firing needs the condition
to have held, evaluation after evaluation, for `pending_seconds` from the first evaluation that met it; an
evaluation that does not meet it sends a pending instance back to normal (no notification) and resolves a
firing one. Resolved behaves as normal. `now` is passed in: evaluation is a function of the data and the
moment, so tests drive the clock instead of sleeping.
"""

from dataclasses import dataclass
from datetime import datetime

from apps.analytics.models import AlertState


@dataclass(frozen=True)
class Step:
    state: str
    pending_since: datetime | None
    firing_since: datetime | None
    resolved_at: datetime | None

    def changed_from(self, state: str) -> bool:
        return self.state != state


def advance(
    *,
    state: str,
    pending_since: datetime | None,
    firing_since: datetime | None,
    resolved_at: datetime | None,
    met: bool,
    now: datetime,
    pending_seconds: int,
) -> Step:
    """The instance's next state after an evaluation at `now` that did (`met`) or did not meet the condition."""
    if met:
        if state == AlertState.FIRING:
            return Step(state, pending_since, firing_since, resolved_at)
        since = pending_since if state == AlertState.PENDING else now
        if (now - since).total_seconds() >= pending_seconds:
            return Step(AlertState.FIRING, since, now, None)
        return Step(AlertState.PENDING, since, None, resolved_at)
    if state == AlertState.FIRING:
        return Step(AlertState.RESOLVED, None, firing_since, now)
    if state == AlertState.PENDING:
        return Step(AlertState.NORMAL, None, None, resolved_at)
    return Step(state, None, firing_since if state == AlertState.RESOLVED else None, resolved_at)
