"""A/B experiments and Thompson-sampling bandits (issue #16 section 5): deterministic assignment, exposures and
outcomes, a report with intervals and sample-ratio mismatch, a fixed-sample stop rule; a bandit routing the
predict API between a model's aliases, rewarded through the outcome endpoint; a regret simulation."""
