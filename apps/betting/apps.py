from django.apps import AppConfig


class BettingConfig(AppConfig):
    """Sports data, cappers, bets with legs, settlement, auto-grading and the units ledger."""

    name = "apps.betting"
    label = "betting"

    def ready(self) -> None:
        from apps.betting import receivers, warmers  # noqa: F401 - grading of finalized games
        from apps.core.cache.warming import register_warmer

        register_warmer("betting: leaderboards and capper ledgers", warmers.warm_leaderboards_and_ledgers)
        register_warmer("betting: today's games", warmers.warm_todays_games)
