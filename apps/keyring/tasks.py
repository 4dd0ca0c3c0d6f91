from celery import shared_task

from apps.core.actors import Actor
from apps.keyring.services import keys_rotate


@shared_task(acks_late=True)
def keys_rotate_task() -> None:
    """Rotate when due and resume any unfinished re-encryption; safe to run twice."""
    keys_rotate(actor=Actor.system("keyring rotation"))
