"""The ml app's models, one module per area (one import line per area)."""

from apps.ml.models.experiments import (  # noqa: F401 - experiments and bandits
    Bandit,
    BanditArm,
    BanditEpisode,
    BanditSimulation,
    BanditStep,
    Experiment,
    ExperimentExposure,
    ExperimentOutcome,
)
