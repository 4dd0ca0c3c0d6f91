"""Every state change of experiments and bandits (experiments.py, bandits.py)."""

from apps.ml.experiments.services.bandits import (
    bandit_create,
    bandit_reward,
    bandit_simulation_run,
    bandit_start,
    bandit_stop,
)
from apps.ml.experiments.services.experiments import (
    experiment_assign,
    experiment_create,
    experiment_outcome_record,
    experiment_start,
    experiment_stop,
)

__all__ = [
    "bandit_create",
    "bandit_reward",
    "bandit_simulation_run",
    "bandit_start",
    "bandit_stop",
    "experiment_assign",
    "experiment_create",
    "experiment_outcome_record",
    "experiment_start",
    "experiment_stop",
]
