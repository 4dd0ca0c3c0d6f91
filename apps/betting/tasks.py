from celery import shared_task
from django.db import OperationalError

from apps.betting.services import game_grade
from apps.core.actors import Actor


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def game_grade_task(game_id: int) -> int:
    """Grade a final game's pending legs; safe to run twice or concurrently (one ledger entry per bet)."""
    return game_grade(game_id=game_id, actor=Actor.system("auto-grading")).bets_settled
