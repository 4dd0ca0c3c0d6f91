"""Keep every process's parser catalogue current: a team, league, alias or player saved or deleted bumps the
catalogue version, a game saved or deleted the schedule version (after the commit, so that no process
rebuilds from data not yet visible to it). Bulk writes send no signals: their services bump themselves."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.betting.models import Game, League, Team
from apps.ml.models import Player, TeamAlias
from apps.ml.nlp.catalogue import catalogue_version_bump, schedule_version_bump


@receiver([post_save, post_delete], sender=Team, dispatch_uid="ml_nlp_team_changed")
@receiver([post_save, post_delete], sender=League, dispatch_uid="ml_nlp_league_changed")
@receiver([post_save, post_delete], sender=TeamAlias, dispatch_uid="ml_nlp_alias_changed")
@receiver([post_save, post_delete], sender=Player, dispatch_uid="ml_nlp_player_changed")
def catalogue_changed(**_) -> None:
    transaction.on_commit(catalogue_version_bump)


@receiver([post_save, post_delete], sender=Game, dispatch_uid="ml_nlp_game_changed")
def schedule_changed(**_) -> None:
    transaction.on_commit(schedule_version_bump)
