"""Keeps the role groups in step with roles.py after every migrate."""

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.accounts.roles import roles_sync


@receiver(post_migrate, dispatch_uid="accounts.roles_sync")
def sync_roles_after_migrate(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per installed app, in order, and each app's permissions are created
    # on its own turn: sync on the last app's turn, when every permission a role names exists.
    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    roles_sync()
