"""After migrate, every registered model kind has its RegisteredModel row (label, description, whether it
affects members), so the portal and the API list them before their first training."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.ml.registry.services import registered_models_sync


@receiver(post_migrate, dispatch_uid="ml_registered_models_sync")
def sync_registered_models(sender, app_config=None, **kwargs) -> None:
    if app_config is not None and app_config.label == "ml":
        registered_models_sync()
