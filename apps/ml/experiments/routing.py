"""Placeholder of the bandit's routing hook until the experiments area is merged (the lead keeps theirs):
no bandit routes any traffic, so predict calls without an alias go to `champion`."""

from uuid import UUID


def bandit_route(model_name: str, prediction_id: UUID) -> str | None:
    """The alias the bandit picks for this prediction, or None for `champion` (no bandit yet)."""
    return None
