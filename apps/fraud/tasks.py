from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from apps.core.actors import Actor
from apps.fraud.services import fraud_bet_check, fraud_imported_bets_check, fraud_scan


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def fraud_bet_check_task(bet_id: int, event: str) -> int:
    """The cheap checks of one placed or settled bet; safe to run twice (cases are updated, not duplicated)."""
    return len(fraud_bet_check(bet_id=bet_id, event=event, actor=Actor.system("fraud check")))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def fraud_imported_bets_check_task(bet_ids: list[int]) -> int:
    """The placement check of a bulk import's bets (one task for up to 500 bets); safe to run twice."""
    return len(fraud_imported_bets_check(bet_ids=bet_ids, actor=Actor.system("fraud check")))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def fraud_scan_task() -> int:
    """Every detector over the last FRAUD_SCAN_SINCE_DAYS days; returns the number of findings."""
    since = timezone.now() - timezone.timedelta(days=settings.FRAUD_SCAN_SINCE_DAYS)
    return len(fraud_scan(actor=Actor.system("fraud scan"), since=since).findings)
