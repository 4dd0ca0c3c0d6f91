"""After migrate: the periodic jobs declared in code are synced into beat's tables."""

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.core.beat import schedules_sync


@receiver(post_migrate, dispatch_uid="core.schedules_sync")
def sync_schedules_after_migrate(sender, app_config=None, **kwargs) -> None:
    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    schedules_sync()
