"""Reactions to the betting app's signals: thin, they enqueue the cheap checks (never run them in the request)."""

from django.dispatch import receiver

from apps.betting.choices import SettlementSource
from apps.betting.signals import bet_placed, bet_settled, bets_imported
from apps.core.enqueue import enqueue
from apps.fraud.tasks import fraud_bet_check_task, fraud_imported_bets_check_task


@receiver(bet_placed, dispatch_uid="fraud.check_placed_bet")
def check_placed_bet(sender, bet_id: int, **kwargs) -> None:
    enqueue(fraud_bet_check_task, bet_id, "placed")


@receiver(bets_imported, dispatch_uid="fraud.check_imported_bets")
def check_imported_bets(sender, bet_ids: list[int], **kwargs) -> None:
    enqueue(fraud_imported_bets_check_task, bet_ids)


@receiver(bet_settled, dispatch_uid="fraud.check_settled_bet")
def check_settled_bet(sender, bet_id: int, source: str = "", **kwargs) -> None:
    # Only a settlement by a person can contradict the score; auto-grading settles thousands of bets
    # per game from the score itself, and a task each would cost seconds of Redis pushes per game.
    if source == SettlementSource.AUTO:
        return
    enqueue(fraud_bet_check_task, bet_id, "settled")
