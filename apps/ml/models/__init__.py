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
from apps.ml.models.nlp import AliasKind, Player, TeamAlias  # noqa: F401 - nlp
from apps.ml.models.registry import (  # noqa: F401 - the registry (mlreg)
    AliasMove,
    DriftReport,
    ModelAlias,
    ModelVersion,
    PredictionLog,
    PromotionRequest,
    RegisteredModel,
    TrainingJob,
)
