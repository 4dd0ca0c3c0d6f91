"""Imported by `MlConfig.ready()`: each area registers its trainers, predictors and signal receivers here
(one import line per area)."""

from apps.ml.predictive import capper_skill, fraud_case_ranking, leg_win_probability  # noqa: F401 - mlmodels
from apps.ml.registry import demo, receivers  # noqa: F401 - the registry's demo model kind and receivers (mlreg)
