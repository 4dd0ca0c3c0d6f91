"""A/B experiments and the Thompson-sampling bandit (owned by the experiments area)."""
