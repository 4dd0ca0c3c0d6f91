"""Receivers of the privacy app: default consent types after every migrate (idempotent, no data migration);
the PII scan of incoming free text: bets and legs after the betting app's signals, members' notes after
a save that wrote them (accounts sends no domain signal for members)."""

from django.db.models.signals import post_migrate, post_save
from django.dispatch import receiver

from apps.accounts.models import Member
from apps.betting.choices import SettlementSource
from apps.betting.signals import bet_placed, bet_settled, bets_imported
from apps.core.enqueue import enqueue
from apps.privacy.services.consent import consent_types_ensure_defaults
from apps.privacy.services.retention import retention_policies_ensure_defaults
from apps.privacy.tasks import pii_scan_bet_task, pii_scan_bets_task, pii_scan_member_task


@receiver(post_migrate, dispatch_uid="privacy.default_consent_types")
def create_default_consent_types(sender, app_config=None, **kwargs) -> None:
    if app_config is None or app_config.label != "privacy":
        return
    consent_types_ensure_defaults()


@receiver(post_migrate, dispatch_uid="privacy.default_retention_policies")
def create_default_retention_policies(sender, app_config=None, **kwargs) -> None:
    """A policy for every retention data kind that has none (existing policies are left as they are)."""
    if app_config is None or app_config.label != "privacy":
        return
    retention_policies_ensure_defaults()


@receiver(bet_placed, dispatch_uid="privacy.scan_placed_bet")
def scan_placed_bet(sender, bet_id: int, **kwargs) -> None:
    enqueue(pii_scan_bet_task, bet_id)


@receiver(bets_imported, dispatch_uid="privacy.scan_imported_bets")
def scan_imported_bets(sender, bet_ids: list[int], **kwargs) -> None:
    enqueue(pii_scan_bets_task, bet_ids)


@receiver(bet_settled, dispatch_uid="privacy.scan_settled_bet")
def scan_settled_bet(sender, bet_id: int, source: str = "", **kwargs) -> None:
    # staff settlements and corrections may add a review note; auto-grading writes no free text
    if source == SettlementSource.AUTO:
        return
    enqueue(pii_scan_bet_task, bet_id)


@receiver(post_save, sender=Member, dispatch_uid="privacy.scan_member_notes")
def scan_member_notes(sender, instance: Member, created: bool, update_fields=None, **kwargs) -> None:
    if update_fields is not None and "notes" not in update_fields:
        return  # a save that did not write the notes
    if not instance.__dict__.get("notes"):
        return  # no notes (or not loaded): nothing to read
    enqueue(pii_scan_member_task, instance.pk)  # in the save's transaction (the outbox)
