"""Freeze the cappers of the incident's fraud cases (their new bets are refused); undone by unfreezing."""

from typing import Any

from apps.betting.models import Capper
from apps.betting.services import capper_freeze, capper_unfreeze
from apps.core.actors import Actor
from apps.incidents.actions.base import ActionOutcome, register_action
from apps.incidents.actions.targets import incident_cappers
from apps.incidents.choices import StepAction
from apps.incidents.models import StepRun


def _unfreeze(run: StepRun, actor: Actor) -> dict[str, Any]:
    capper_ids = run.undo.get("capper_ids", [])
    for capper in Capper.objects.filter(pk__in=capper_ids).order_by("pk"):
        capper_unfreeze(capper=capper, actor=actor, reason=f"{run.incident.reference}: step undone")
    return {"unfrozen": capper_ids}


@register_action(StepAction.FREEZE_CAPPER, undo=_unfreeze)
def freeze_capper(run: StepRun, actor: Actor) -> ActionOutcome:
    """Freeze each capper the incident names; one already frozen is reported and left as it is (undo
    unfreezes only the cappers this step froze)."""
    cappers = incident_cappers(run)
    if not cappers:
        return ActionOutcome(result={"message": "The incident names no capper."}, skipped=True)
    frozen, already = [], []
    for capper in cappers:
        if capper.is_frozen:
            already.append(capper.pk)
            continue
        capper_freeze(capper=capper, actor=actor, reason=f"{run.incident.reference}: {run.step.title}")
        frozen.append(capper.pk)
    return ActionOutcome(
        result={"frozen": frozen, "already_frozen": already}, undo={"capper_ids": frozen} if frozen else {}
    )
