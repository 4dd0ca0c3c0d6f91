"""Imported by `MlConfig.ready()`: each area registers its trainers, predictors and signal receivers here
(one import line per area)."""

from apps.ml import admin_nlp, portal_experiments, portal_nlp, portal_ocr  # noqa: F401 - admin and portal pages
from apps.ml.experiments import admin as experiments_admin  # noqa: F401 - experiments' admin pages
from apps.ml.nlp import receivers as nlp_receivers  # noqa: F401 - nlp: catalogue and schedule versions
from apps.ml.predictive import capper_skill, fraud_case_ranking, leg_win_probability  # noqa: F401 - mlmodels
from apps.ml.registry import demo, receivers  # noqa: F401 - the registry's demo model kind and receivers (mlreg)
