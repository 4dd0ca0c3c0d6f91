from celery import shared_task
from django.db import OperationalError

from apps.audit.checkpoints import audit_checkpoint_publish
from apps.audit.services import audit_seal_pending


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=False)
def audit_seal_pending_task() -> int:
    """Seal committed audit events into the chain, then publish a checkpoint of the head when one is
    due; safe to run concurrently (the sealer locks, a checkpoint file is created only once)."""
    sealed = audit_seal_pending()
    audit_checkpoint_publish()
    return sealed
