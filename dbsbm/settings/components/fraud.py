"""Betting-integrity (fraud) detection: thresholds of the detectors and the schedule of the scan.

Thresholds are judged on `make bench-fraud` (planted scenarios with hard negatives); see README.md.
"""

from dbsbm.settings.environment import env_int

# The periodic fraud scan (apps/fraud/schedules.py) and how far back it looks.
FRAUD_SCAN_INTERVAL_SECONDS = env_int("FRAUD_SCAN_INTERVAL_SECONDS", 6 * 60 * 60)
FRAUD_SCAN_SINCE_DAYS = env_int("FRAUD_SCAN_SINCE_DAYS", 90)

FRAUD_THRESHOLDS = {
    # statistical tests: the family-wise error rate over all cappers tested in one scan (Bonferroni)
    "family_alpha": 0.01,
    # late posting: enough late bets, and a late win rate this far above the implied one and the
    # capper's own pre-game win rate
    "late_posting_min_bets": 8,
    "late_posting_min_excess": 0.15,
    # improbable records: enough pre-game score-graded bets, and a win rate this far above the price
    "improbable_min_bets": 20,
    "improbable_min_excess": 0.12,
    # settlement abuse: hand settlements in the capper's favour that the score or the clock contradict
    "settlement_min_incidents": 2,
    # rings: meetings on at least this many games, being at least this share of the games both bet
    "opposite_window_seconds": 600,
    "copy_window_seconds": 120,
    "ring_min_games": 4,
    "ring_min_ratio": 0.4,
    # bot activity
    "bot_min_intervals": 30,
    "bot_max_cv": 0.3,
    "bot_burst_size": 5,
    "bot_burst_seconds": 5,
    "bot_min_bursts": 2,
    "bot_rest_min_day_bets": 30,
    "bot_rest_max_gap_hours": 3,
    "bot_rest_min_days": 5,
    "bot_rest_share": 0.8,
    # outliers
    "outlier_min_bets": 20,
    "outlier_min_cappers": 20,
    "outlier_min_robust_z": 6.0,
}
