"""Reactions to the betting app's own signals: thin, they enqueue a task."""

from django.dispatch import receiver

from apps.betting.signals import game_finalized
from apps.betting.tasks import game_grade_task
from apps.core.enqueue import enqueue


@receiver(game_finalized, dispatch_uid="betting.grade_finalized_game")
def grade_finalized_game(sender, game_id: int, **kwargs) -> None:
    enqueue(game_grade_task, game_id)
