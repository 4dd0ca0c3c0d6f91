"""Experiments and bandits to test with."""

import pytest

from apps.ml.experiments.services import bandit_create, bandit_start, experiment_create, experiment_start


@pytest.fixture
def make_experiment(db, actor):
    """make_experiment(key, **overrides) -> a running conversion experiment (control/treatment, 50/50)."""

    def _make(key: str = "exp-a", *, start: bool = True, **overrides):
        fields = {
            "hypothesis": "A shorter pick card raises follow rates.", "unit_kind": "capper",
            "variants": [{"name": "control", "weight": 1}, {"name": "treatment", "weight": 1}],
            "metric": "followed", "metric_kind": "conversion", "baseline_rate": 0.3,
            "minimum_detectable_effect": 0.1, **overrides,
        }  # fmt: skip
        experiment = experiment_create(key=key, actor=actor, **fields)
        return experiment_start(experiment=experiment, actor=actor) if start else experiment

    return _make


@pytest.fixture
def running_bandit(db, actor):
    """A running bandit on `leg_win_probability` over champion and challenger, no exploration floor."""
    bandit = bandit_create(
        model_name="leg_win_probability", arms=["champion", "challenger"], actor=actor, minimum_share=0.0
    )
    return bandit_start(bandit=bandit, actor=actor)
