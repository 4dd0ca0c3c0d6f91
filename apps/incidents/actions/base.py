"""The protocol of a playbook action, and the registry the step runner looks actions up in.

An action is a function `(run: StepRun, actor: Actor) -> ActionOutcome`, registered for a `StepAction` value
with `@register_action(StepAction.X, undo=undo_function)`. It must be idempotent: run twice on the same step
run it finds its work done and reports it again without acting twice. It raises `TransientActionError` for a
failure worth retrying (the runner retries with back-off up to the step's `max_attempts`) and
`ActionFailedError` for one that is not; either way the step is recorded failed and the incident escalates.
The undo function `(run: StepRun, actor: Actor) -> dict` reverses what `outcome.undo` describes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.core.actors import Actor


class TransientActionError(Exception):
    """Worth retrying (a lock held, a service briefly away)."""


class ActionFailedError(Exception):
    """Not worth retrying (the target does not exist, the parameters are wrong)."""


@dataclass(frozen=True)
class ActionOutcome:
    """`skipped`: nothing to act on (e.g. no key named by the incident). `undo`: what reversing needs ({}: cannot)."""

    result: dict[str, Any]
    undo: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False


Action = Callable[[Any, Actor], ActionOutcome]
Undo = Callable[[Any, Actor], dict[str, Any]]

ACTIONS: dict[str, Action] = {}
UNDOS: dict[str, Undo] = {}


def register_action(name: str, *, undo: Undo | None = None) -> Callable[[Action], Action]:
    def register(action: Action) -> Action:
        ACTIONS[str(name)] = action
        if undo is not None:
            UNDOS[str(name)] = undo
        return action

    return register
