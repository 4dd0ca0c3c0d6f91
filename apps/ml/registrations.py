"""Imported by `MlConfig.ready()`: each area registers its trainers, predictors and signal receivers here
(one import line per area)."""

from apps.ml import portal_experiments  # noqa: E402, F401 - experiments' portal pages
from apps.ml.experiments import admin as experiments_admin  # noqa: E402, F401 - experiments' admin pages
