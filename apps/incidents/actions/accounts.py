"""Actions on accounts: revoke the API keys an incident names; end a staff user's sessions and send them
back to second-factor enrolment. Neither can be undone (a revoked key stays revoked: issue a new one; a
removed second factor is enrolled again by its owner), so both leave `undo` empty."""

from apps.accounts.services import api_key_revoke, staff_sessions_end
from apps.core.actors import Actor
from apps.incidents.actions.base import ActionOutcome, register_action
from apps.incidents.actions.targets import incident_api_keys, incident_staff_users
from apps.incidents.choices import StepAction
from apps.incidents.models import StepRun


def _reason(run: StepRun) -> str:
    return f"{run.incident.reference}: {run.step.title}"[:200]


@register_action(StepAction.REVOKE_API_KEY)
def revoke_api_key(run: StepRun, actor: Actor) -> ActionOutcome:
    """Revoke each key the incident names (and the keys it minted); a key already revoked is reported."""
    keys = incident_api_keys(run)
    if not keys:
        return ActionOutcome(result={"message": "The incident names no API key."}, skipped=True)
    revoked, already = [], []
    for key in keys:
        (already if key.is_revoked else revoked).append(key.prefix)
        api_key_revoke(api_key=key, actor=actor, reason=_reason(run))
    return ActionOutcome(result={"revoked": revoked, "already_revoked": already})


@register_action(StepAction.END_STAFF_SESSIONS)
def end_staff_sessions(run: StepRun, actor: Actor) -> ActionOutcome:
    """Sign each staff user the incident names out everywhere and remove their second factor."""
    users = incident_staff_users(run)
    if not users:
        return ActionOutcome(result={"message": "The incident names no active staff user."}, skipped=True)
    ended = {}
    for user in users:
        ended[user.username] = staff_sessions_end(user=user, actor=actor, reason=_reason(run))
    return ActionOutcome(result={"users": ended})
