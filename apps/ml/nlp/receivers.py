"""Warm the parser's language models up when a server starts (below), and keep every process's parser catalogue
current: a team, league, alias or player saved or deleted bumps the catalogue version, a game saved or deleted
the schedule version (after the commit, so that no process rebuilds from data not yet visible to it). Bulk
writes send no signals: their services bump themselves."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.betting.models import Game, League, Team
from apps.core.warmup import register_warm_up
from apps.ml.models import Player, TeamAlias
from apps.ml.nlp.analysis import analysis_warm_up
from apps.ml.nlp.catalogue import catalogue_version_bump, schedule_version_bump

# The first parse in a process would wait about 4 s for lingua's language models: a server loads them in the
# background as it starts (and a Celery pool process, with ML_NLP_WARM_UP_WORKERS); see apps/core/warmup.py.
register_warm_up("bet-text parser: language models", analysis_warm_up, web=True, worker=settings.ML_NLP_WARM_UP_WORKERS)


@receiver([post_save, post_delete], sender=Team, dispatch_uid="ml_nlp_team_changed")
@receiver([post_save, post_delete], sender=League, dispatch_uid="ml_nlp_league_changed")
@receiver([post_save, post_delete], sender=TeamAlias, dispatch_uid="ml_nlp_alias_changed")
@receiver([post_save, post_delete], sender=Player, dispatch_uid="ml_nlp_player_changed")
def catalogue_changed(**_) -> None:
    transaction.on_commit(catalogue_version_bump)


@receiver([post_save, post_delete], sender=Game, dispatch_uid="ml_nlp_game_changed")
def schedule_changed(**_) -> None:
    transaction.on_commit(schedule_version_bump)
