"""Settling, voiding and correcting bets. Each locks the bet row first: concurrent calls queue there,
and the second finds the bet final (409, or a no-op for the idempotent paths)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.betting.choices import (
    FINAL_BET_STATUSES,
    GRADED_LEG_RESULTS,
    BetStatus,
    LegResult,
    SettlementSource,
)
from apps.betting.models import Bet, BetLeg
from apps.betting.odds import combined_result, net_units
from apps.betting.services import invalidation
from apps.betting.services.ledger import reverse_current, settle_entry
from apps.betting.signals import bet_settled, bet_voided
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError


def _locked(bet: Bet) -> Bet:
    return Bet.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=bet.pk)


def _require_reason(reason: str, message: str) -> None:
    if not reason.strip():
        raise ApplicationError(
            message,
            code="reason_required",
            fields={"reason": [_("Required.")]},
        )


def _single_leg_results(bet: Bet, result: str) -> dict[int, str]:
    leg_ids = list(bet.legs.values_list("pk", flat=True)[:2])
    if len(leg_ids) != 1:
        raise ApplicationError(
            _("This bet is a parlay: send legs: [{id, result}] for each leg."), code="parlay_needs_legs"
        )
    return {leg_ids[0]: result}


def _apply_results(legs: list[BetLeg], leg_results: dict[int, str], source: str, *, regrade: bool) -> list[BetLeg]:
    by_id = {leg.pk: leg for leg in legs}
    unknown = sorted(set(leg_results) - set(by_id))
    if unknown:
        raise ApplicationError(
            _("Legs %(unknown)s are not legs of this bet.") % {"unknown": unknown},
            code="unknown_leg",
            fields={"legs": [_("Unknown leg ids %(unknown)s.") % {"unknown": unknown}]},
        )
    invalid = {leg_id: result for leg_id, result in leg_results.items() if result not in GRADED_LEG_RESULTS}
    if invalid:
        raise ApplicationError(
            _("A leg result must be one of won, lost, push, void."),
            code="invalid_result",
            fields={
                "legs": [
                    _("Leg %(leg_id)s: %(result)r is not a result.") % {"leg_id": leg_id, "result": result}
                    for leg_id, result in invalid.items()
                ]
            },
        )
    now = timezone.now()
    changed = []
    for leg_id, result in leg_results.items():
        leg = by_id[leg_id]
        if leg.result == result:
            continue
        if leg.result != LegResult.PENDING and not regrade:
            raise ConflictError(
                _("Leg %(leg_id)s is already graded %(result)s; a staff correction can change it.")
                % {"leg_id": leg_id, "result": leg.result},
                code="leg_graded",
            )
        leg.result, leg.graded_at, leg.graded_source = result, now, source
        changed.append(leg)
    BetLeg.objects.bulk_update(changed, ["result", "graded_at", "graded_source"])
    return legs


def _finalize(*, bet: Bet, legs: list[BetLeg], actor: Actor, source: str, settled_by: str, reason: str) -> Bet:
    """Write the bet's result and its ledger entry; the caller has checked every leg is graded."""
    pairs = [(leg.odds, leg.result) for leg in legs]
    bet.status = BetStatus(combined_result(result for _, result in pairs))
    bet.net_units = net_units(bet.stake_units, pairs)
    bet.settled_at = timezone.now()
    bet.settlement_source, bet.settled_by = source, settled_by[:150]
    bet.save(update_fields=["status", "net_units", "settled_at", "settlement_source", "settled_by", "updated_at"])
    settle_entry(bet=bet, reason=reason)
    invalidation.bets_settled(tenant_ids=[bet.tenant_id])
    return bet


@transaction.atomic
def bet_settle(
    *,
    bet: Bet,
    actor: Actor,
    leg_results: dict[int, str] | None = None,
    result: str | None = None,
    reason: str = "",
    settled_by: str = "",
    source: str = SettlementSource.API,
) -> Bet:
    """Grade the given legs; when no leg is left pending, settle the bet and append its ledger entry.

    `result` alone grades a single bet's one leg; a parlay needs `leg_results` (one result per leg id).
    """
    if result is not None:
        leg_results = _single_leg_results(bet, result)
    if source == SettlementSource.STAFF:
        _require_reason(reason, _("A reason is required to settle a bet by hand."))
    bet = _locked(bet)
    if bet.status in FINAL_BET_STATUSES:
        raise ConflictError(
            _("Bet %(external_id)s is already %(status)s.") % {"external_id": bet.external_id, "status": bet.status},
            code="bet_already_settled",
        )
    status_before = bet.status
    legs = _apply_results(list(bet.legs.order_by("position")), leg_results, source, regrade=False)
    settled = all(leg.result != LegResult.PENDING for leg in legs)
    if settled:
        _finalize(bet=bet, legs=legs, actor=actor, source=source, settled_by=settled_by, reason=reason)
    else:
        bet.save(update_fields=["updated_at"])  # its legs changed: its ETag must change too
        invalidation.bets_changed(tenant_id=bet.tenant_id)
    audit_record(
        actor=actor,
        action="betting.bet_settled" if settled else "betting.legs_graded",
        target=bet,
        guild_id=bet.tenant.guild_id,
        changes={
            "leg_results": {"before": None, "after": {str(k): v for k, v in leg_results.items()}},
            "status": {"before": status_before, "after": bet.status},
        },
        reason=reason,
    )
    if settled:
        bet_settled.send(sender=Bet, bet_id=bet.pk, tenant_id=bet.tenant_id, source=bet.settlement_source)
    return bet


@transaction.atomic
def bet_void(*, bet: Bet, actor: Actor, reason: str, source: str = SettlementSource.API) -> Bet:
    """Void a bet; a settled bet's ledger entry is reversed first. Voiding twice is a no-op."""
    _require_reason(reason, _("A reason is required to void a bet."))
    bet = _locked(bet)
    if bet.status == BetStatus.VOID:
        return bet
    if bet.status == BetStatus.CANCELLED:
        raise ConflictError(
            _("Bet %(external_id)s was cancelled.") % {"external_id": bet.external_id}, code="bet_cancelled"
        )
    before = {"status": bet.status, "net_units": bet.net_units}
    reverse_current(bet=bet, reason=reason)
    bet.status, bet.net_units, bet.settled_at = BetStatus.VOID, 0, timezone.now()
    bet.settlement_source = source
    bet.save(update_fields=["status", "net_units", "settled_at", "settlement_source", "updated_at"])
    settle_entry(bet=bet, reason=reason)
    invalidation.bets_settled(tenant_ids=[bet.tenant_id])
    audit_record(
        actor=actor,
        action="betting.bet_voided",
        target=bet,
        guild_id=bet.tenant.guild_id,
        changes=field_changes(before, {"status": bet.status, "net_units": bet.net_units}),
        reason=reason,
    )
    bet_voided.send(sender=Bet, bet_id=bet.pk, tenant_id=bet.tenant_id)
    return bet


@transaction.atomic
def bet_correct(
    *, bet: Bet, actor: Actor, leg_results: dict[int, str], reason: str, source: str = SettlementSource.STAFF
) -> Bet:
    """Repair of a settled bet: new leg results, a reversing ledger entry, then the new settlement.

    `source` staff (a staff repair) resolves a review flag; `source` auto is a game's corrected score
    (services/corrections.py): the legs stay graded from the score and a review flag stands.
    """
    _require_reason(reason, _("A reason is required to correct a settled bet."))
    bet = _locked(bet)
    if bet.status not in FINAL_BET_STATUSES or bet.status == BetStatus.CANCELLED:
        raise ConflictError(
            _("Only a settled or voided bet can be corrected; settle it instead."), code="bet_not_settled"
        )
    legs = list(bet.legs.order_by("position"))
    before = {"status": bet.status, "net_units": bet.net_units, "legs": {str(leg.pk): leg.result for leg in legs}}
    legs = _apply_results(legs, leg_results, source, regrade=True)
    if any(leg.result == LegResult.PENDING for leg in legs):
        raise ApplicationError(
            _("A correction must leave every leg graded."),
            code="legs_pending",
            fields={"legs": [_("Grade every leg.")]},
        )
    reverse_current(bet=bet, reason=reason)
    if source == SettlementSource.STAFF:
        bet.needs_review, bet.review_note = False, ""
        bet.save(update_fields=["needs_review", "review_note"])
    settled_by = actor.label if source == SettlementSource.STAFF else "auto-grading"
    _finalize(bet=bet, legs=legs, actor=actor, source=source, settled_by=settled_by, reason=reason)
    audit_record(
        actor=actor,
        action="betting.bet_corrected",
        target=bet,
        guild_id=bet.tenant.guild_id,
        changes=field_changes(
            before,
            {"status": bet.status, "net_units": bet.net_units, "legs": {str(leg.pk): leg.result for leg in legs}},
        ),
        reason=reason,
    )
    bet_settled.send(sender=Bet, bet_id=bet.pk, tenant_id=bet.tenant_id, source=bet.settlement_source)
    return bet
