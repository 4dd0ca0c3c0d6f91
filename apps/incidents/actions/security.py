"""Block the incident's addresses until a set time (refused at the door: apps.security.middleware);
undone by lifting the blocks."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.actions.base import ActionFailedError, ActionOutcome, register_action
from apps.incidents.actions.targets import incident_addresses
from apps.incidents.choices import StepAction
from apps.incidents.models import StepRun
from apps.security.models import BlockedAddress
from apps.security.services import address_block, address_unblock

DEFAULT_BLOCK_HOURS = 24


def _unblock(run: StepRun, actor: Actor) -> dict[str, Any]:
    lifted = []
    for block in BlockedAddress.objects.filter(pk__in=run.undo.get("block_ids", []), lifted_at__isnull=True):
        address_unblock(block=block, actor=actor, reason=f"{run.incident.reference}: step undone")
        lifted.append(block.network)
    return {"unblocked": lifted}


@register_action(StepAction.BLOCK_ADDRESS, undo=_unblock)
def block_address(run: StepRun, actor: Actor) -> ActionOutcome:
    """Block each address the incident names for the step's `hours` (default 24); blocking an address
    already blocked extends the same block instead of adding one."""
    addresses = incident_addresses(run)
    if not addresses:
        return ActionOutcome(result={"message": "The incident names no address."}, skipped=True)
    hours = run.step.params.get("hours", DEFAULT_BLOCK_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
        raise ActionFailedError(f"The step's hours must be a positive number, not {hours!r}.")
    until = timezone.now() + timedelta(hours=hours)
    blocks = []
    for address in addresses:
        try:
            blocks.append(
                address_block(
                    address=address, until=until, reason=f"{run.incident.reference}: {run.step.title}", actor=actor
                )
            )
        except ApplicationError as error:
            raise ActionFailedError(error.message) from error
    return ActionOutcome(
        result={"blocked": [block.network for block in blocks], "until": until.isoformat()},
        undo={"block_ids": [block.pk for block in blocks]},
    )
