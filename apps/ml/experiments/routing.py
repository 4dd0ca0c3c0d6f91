"""`bandit_route`: the predict API's question "which alias serves this call?" when the call names none.

On the predict path, so two queries: one reads the active bandit's arms (with the bandit's settings joined),
one inserts the step. On PostgreSQL, outside a caller's transaction, the step commits without waiting for the WAL
flush (`SET LOCAL synchronous_commit TO OFF`, about half the call's time on a loaded machine): a
crash may lose the last few hundred milliseconds of steps, whose rewards then answer 404; no arm's posterior is
touched here, so none can be corrupted. Rewards commit synchronously.

Thompson sampling: draw from each arm's Beta posterior, take the largest; with probability `minimum_share × arms`
an arm is drawn uniformly instead (each arm keeps at least `minimum_share` of calls).
"""

import random
from uuid import UUID

from django.db import connection, transaction

from apps.ml.models import BanditArm, BanditStep

_random = random.SystemRandom()

_FIELDS = (
    "id", "alias", "successes", "failures", "bandit__prior_alpha", "bandit__prior_beta", "bandit__minimum_share",
    "bandit__current_episode_id",
)  # fmt: skip


def bandit_route(model_name: str, prediction_id: UUID, *, tenant_id: int | None = None) -> str | None:
    """The alias a running bandit picks for this prediction (its step stored under `prediction_id`), or None when
    the model has no running bandit (the caller then uses `champion`)."""
    arms = list(
        BanditArm.objects.filter(bandit__model_name=model_name, bandit__is_active=True)
        .order_by("alias")
        .values(*_FIELDS)
    )
    if len(arms) < 2 or arms[0]["bandit__current_episode_id"] is None:
        return None
    settings = arms[0]
    sampled = {
        arm["alias"]: _random.betavariate(
            settings["bandit__prior_alpha"] + arm["successes"], settings["bandit__prior_beta"] + arm["failures"]
        )
        for arm in arms
    }
    is_exploration = _random.random() < settings["bandit__minimum_share"] * len(arms)
    chosen = _random.choice(arms) if is_exploration else max(arms, key=lambda arm: sampled[arm["alias"]])
    step = BanditStep(
        prediction_id=prediction_id,
        episode_id=settings["bandit__current_episode_id"],
        arm_id=chosen["id"],
        tenant_id=tenant_id,
        sampled={alias: round(value, 6) for alias, value in sampled.items()},
        is_exploration=is_exploration,
    )
    _store(step)
    return chosen["alias"]


def _store(step: BanditStep) -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        step.save(force_insert=True)  # inside the caller's transaction: its commit decides
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        step.save(force_insert=True)
