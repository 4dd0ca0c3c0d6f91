"""Rows of the experiments' admin pages for tests/admin (its smoke tests need `rows` of each)."""

import uuid

from apps.ml.experiments.routing import bandit_route
from apps.ml.experiments.services import (
    bandit_create,
    bandit_simulation_run,
    bandit_start,
    experiment_create,
)


def ml_experiments_admin_rows(*, actor, rows: int) -> None:
    for number in range(rows):
        experiment_create(
            key=f"admin-exp-{number:02}", hypothesis="h", unit_kind="capper", metric="followed",
            metric_kind="conversion", variants=[{"name": "a", "weight": 1}, {"name": "b", "weight": 1}],
            baseline_rate=0.3, minimum_detectable_effect=0.1, actor=actor,
        )  # fmt: skip
        bandit = bandit_create(model_name=f"model_{number:02}", arms=["champion", "challenger"], actor=actor)
        if number < 2:
            bandit_start(bandit=bandit, actor=actor)
    for _ in range(rows):
        bandit_route("model_00", uuid.uuid4())
    bandit_simulation_run(true_rates=[0.3, 0.5], steps=50, seeds=2)
