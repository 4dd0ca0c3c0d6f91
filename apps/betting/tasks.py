from celery import shared_task
from django.db import OperationalError

from apps.betting import selectors
from apps.betting.services import game_grade
from apps.core.actors import Actor


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def game_grade_task(game_id: int) -> int:
    """Grade a final game's pending legs; safe to run twice or concurrently (one ledger entry per bet)."""
    return game_grade(game_id=game_id, actor=Actor.system("auto-grading")).bets_settled


@shared_task(acks_late=True)
def games_grade_sweep_task() -> int:
    """Grade every final or cancelled game that still has pending legs: the safety net for a grading
    task that was never enqueued (broker down when the score arrived) or that failed for good."""
    settled = 0
    for game_id in selectors.games_with_pending_legs():
        settled += game_grade(game_id=game_id, actor=Actor.system("auto-grading sweep")).bets_settled
    return settled
