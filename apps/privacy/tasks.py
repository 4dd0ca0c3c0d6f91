"""Thin Celery tasks of the privacy app: each calls one service."""

from celery import shared_task
from django.db import OperationalError

from apps.core.actors import Actor
from apps.privacy.services.findings import pii_scan_bet, pii_scan_bets, pii_scan_member
from apps.privacy.services.retention import retention_run
from apps.privacy.services.sla import privacy_deadlines_check


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def privacy_deadlines_task() -> int:
    """Alerts for data-subject requests due soon or overdue and assessments due for review; safe to rerun."""
    return privacy_deadlines_check().raised


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def retention_run_task() -> int:
    """Apply every enabled retention policy (held data untouched); returns the run's id. Safe to rerun."""
    return retention_run(actor=Actor.system("retention beat job")).pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pii_scan_bet_task(bet_id: int) -> int:
    """Scan one bet's free text (and its legs') for personal data; safe to run twice (findings are deduplicated)."""
    return pii_scan_bet(bet_id=bet_id, actor=Actor.system("privacy scan"))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pii_scan_bets_task(bet_ids: list[int]) -> int:
    """Scan a bulk import's bets (one task for up to 500 bets); safe to run twice."""
    return pii_scan_bets(bet_ids=bet_ids, actor=Actor.system("privacy scan"))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pii_scan_member_task(member_id: int) -> int:
    """Scan one member's notes for personal data (run by a worker holding the restricted key); safe to rerun."""
    return pii_scan_member(member_id=member_id, actor=Actor.system("privacy scan"))
