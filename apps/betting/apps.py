from django.apps import AppConfig


class BettingConfig(AppConfig):
    """Sports data, cappers, bets with legs, settlement, auto-grading and the units ledger."""

    name = "apps.betting"
    label = "betting"

    def ready(self) -> None:
        from apps.betting import receivers  # noqa: F401 - connects the grading of finalized games
