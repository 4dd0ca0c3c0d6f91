"""Imported by `MlConfig.ready()`: each area registers its trainers, predictors and signal receivers here
(one import line per area)."""
