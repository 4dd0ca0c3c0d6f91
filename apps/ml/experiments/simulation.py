"""Regret of Thompson sampling against fixed 50/50 allocation on two arms with known Bernoulli rates (pure numpy,
no ORM): the same policy as the live bandit (Beta posteriors, a minimum share per arm), run for `steps` on
several seeds. Regret is the expected reward lost against always playing the best arm:
sum over steps of (best rate - rate of the arm played)."""

import numpy as np
from django.utils.translation import gettext as _

CURVE_POINTS = 50


def _thompson_regret(rates: np.ndarray, steps: int, rng: np.random.Generator, *, prior_alpha: float,
                     prior_beta: float, minimum_share: float) -> np.ndarray:  # fmt: skip
    """Cumulative regret per step of one Thompson-sampling run."""
    arms = len(rates)
    successes = np.zeros(arms)
    failures = np.zeros(arms)
    gaps = rates.max() - rates
    lost = np.empty(steps)
    explore = rng.random(steps) < minimum_share * arms
    uniform = rng.integers(0, arms, steps)
    draws = rng.random(steps)
    for step in range(steps):
        if explore[step]:
            arm = uniform[step]
        else:
            arm = int(np.argmax(rng.beta(prior_alpha + successes, prior_beta + failures)))
        if draws[step] < rates[arm]:
            successes[arm] += 1
        else:
            failures[arm] += 1
        lost[step] = gaps[arm]
    return np.cumsum(lost)


def _fixed_regret(rates: np.ndarray, steps: int, rng: np.random.Generator) -> np.ndarray:
    """Cumulative regret per step of fixed equal allocation (each call's arm drawn at random)."""
    gaps = rates.max() - rates
    return np.cumsum(gaps[rng.integers(0, len(rates), steps)])


def regret_simulate(*, true_rates: list[float], steps: int, seeds: int, prior_alpha: float = 1.0,
                    prior_beta: float = 1.0, minimum_share: float = 0.0, first_seed: int = 0) -> dict:  # fmt: skip
    """Run both policies on `seeds` seeds; the final regret's mean and standard deviation per policy and the mean
    curves (sampled at up to 50 points) for a chart."""
    if len(true_rates) < 2 or not all(0 <= rate <= 1 for rate in true_rates):
        raise ValueError(_("Give at least two true rates, each between 0 and 1."))
    if steps < 1 or seeds < 1:
        raise ValueError(_("Steps and seeds must be positive."))
    rates = np.asarray(true_rates, dtype=float)
    thompson = np.empty((seeds, steps))
    fixed = np.empty((seeds, steps))
    for index in range(seeds):
        rng = np.random.default_rng(first_seed + index)
        thompson[index] = _thompson_regret(
            rates, steps, rng, prior_alpha=prior_alpha, prior_beta=prior_beta, minimum_share=minimum_share
        )
        fixed[index] = _fixed_regret(rates, steps, rng)
    points = np.unique(np.linspace(1, steps, min(CURVE_POINTS, steps)).astype(int))
    return {
        "true_rates": list(map(float, rates)),
        "steps": steps,
        "seeds": seeds,
        "prior": [prior_alpha, prior_beta],
        "minimum_share": minimum_share,
        "thompson": {"mean": float(thompson[:, -1].mean()), "std": float(thompson[:, -1].std(ddof=0)),
                     "min": float(thompson[:, -1].min()), "max": float(thompson[:, -1].max())},
        "fixed_50_50": {"mean": float(fixed[:, -1].mean()), "std": float(fixed[:, -1].std(ddof=0)),
                        "min": float(fixed[:, -1].min()), "max": float(fixed[:, -1].max())},
        "curve": {
            "step": points.tolist(),
            "thompson": thompson.mean(axis=0)[points - 1].round(3).tolist(),
            "fixed_50_50": fixed.mean(axis=0)[points - 1].round(3).tolist(),
        },
    }  # fmt: skip
