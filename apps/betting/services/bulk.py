"""Bulk bet ingest: many bets in one request and one transaction, with an outcome per bet.

The bot posts bets in bursts (a busy guild on a Saturday). One bet per request costs a request's
fixed price (authentication, throttles, routing, rendering) for ~1 ms of SQL; here the lookups are
made once per batch (existing message ids, cappers, games, the open-bet count) and bets, legs and
audit events are inserted in one statement each. Each bet is still judged on its own: an invalid
bet is rejected with its own errors and does not stop the others.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.audit.services import audit_event, audit_record_many
from apps.betting.choices import BetStatus
from apps.betting.models import Bet, BetLeg, Capper, Game
from apps.betting.services import invalidation
from apps.betting.services.bets import (
    BetRejected,
    LegInput,
    _validate,
    bet_place,
    capper_frozen_error,
    new_bet,
    new_legs,
    open_bets_lock,
    placement_changes,
)
from apps.betting.signals import bets_imported
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant

MAX_BULK_BETS = 500


@dataclass(frozen=True)
class BetInput:
    external_id: str
    capper: str  # the capper's Discord user id
    stake_units: Decimal
    legs: list[LegInput]
    placed_at: datetime | None = None


@dataclass
class BetOutcome:
    """created, existing (a repeat of a message already recorded) or rejected (with its errors)."""

    index: int
    external_id: str
    status: str
    bet_id: int | None = None
    code: str = ""
    message: str = ""
    fields: dict = field(default_factory=dict)


def _rejected(index: int, bet: BetInput, error: ApplicationError) -> BetOutcome:
    return BetOutcome(index, bet.external_id, "rejected", code=error.code, message=error.message, fields=error.fields)


def bet_place_many(*, tenant: Tenant, actor: Actor, bets: list[BetInput]) -> list[BetOutcome]:
    """Place each bet unless it repeats a recorded message or breaks a rule; one outcome per bet, in order."""
    if len(bets) > MAX_BULK_BETS:
        raise ApplicationError(
            gettext("Send at most %(max_bulk_bets)s bets per request.") % {"max_bulk_bets": MAX_BULK_BETS},
            fields={"bets": [gettext("Too many.")]},
        )
    try:
        return _place_many(tenant=tenant, actor=actor, bets=bets)
    except IntegrityError:
        # another request recorded one of these messages meanwhile: place them one by one instead
        return [_place_one(index, tenant, actor, bet) for index, bet in enumerate(bets)]


def _place_one(index: int, tenant: Tenant, actor: Actor, bet: BetInput) -> BetOutcome:
    capper = Capper.objects.filter(tenant=tenant, member__discord_user_id=bet.capper).first()
    if capper is None:
        return _rejected(index, bet, _unknown_capper(bet))
    try:
        placed, created = bet_place(
            tenant=tenant, actor=actor, external_id=bet.external_id, capper=capper,
            stake_units=bet.stake_units, legs=bet.legs, placed_at=bet.placed_at,
        )  # fmt: skip
    except ApplicationError as error:
        return _rejected(index, bet, error)
    return BetOutcome(index, bet.external_id, "created" if created else "existing", bet_id=placed.pk)


def _unknown_capper(bet: BetInput) -> BetRejected:
    return BetRejected(
        gettext("No active capper with Discord user id %(capper)s in this tenant; register it first.")
        % {"capper": bet.capper},
        fields={"capper": [gettext("Unknown or inactive capper.")]},
    )


@transaction.atomic
def _place_many(*, tenant: Tenant, actor: Actor, bets: list[BetInput]) -> list[BetOutcome]:
    now = timezone.now()  # the receive time of every bet of the batch
    existing = dict(
        Bet.objects.filter(tenant=tenant, external_id__in={bet.external_id for bet in bets})
        .order_by()
        .values_list("external_id", "pk")
    )
    cappers = {
        capper.member.discord_user_id: capper
        for capper in Capper.objects.select_related("member").filter(
            tenant=tenant, is_active=True, member__discord_user_id__in={bet.capper for bet in bets}
        )
    }
    games = {
        game.external_id: game
        for game in Game.objects.filter(external_id__in={leg.game for bet in bets for leg in bet.legs if leg.game})
    }
    quota = tenant.plan.active_pending_bets
    open_bets_lock(tenant=tenant)  # a concurrent placement or import waits: the count stays true to commit
    open_bets = (
        Bet.objects.filter(tenant=tenant, status__in=[BetStatus.PENDING, BetStatus.LIVE]).count()
        if quota is not None
        else 0
    )
    outcomes: list[BetOutcome] = []
    new_bets: list[tuple[BetOutcome, Bet, BetInput]] = []
    seen: dict[str, BetOutcome] = {}
    for index, bet in enumerate(bets):
        if bet.external_id in existing:
            outcomes.append(BetOutcome(index, bet.external_id, "existing", bet_id=existing[bet.external_id]))
            continue
        if bet.external_id in seen:  # the same message twice in one batch: the first one counts
            outcomes.append(BetOutcome(index, bet.external_id, "existing"))
            continue
        capper = cappers.get(bet.capper)
        if capper is None:
            outcomes.append(_rejected(index, bet, _unknown_capper(bet)))
            continue
        if capper.is_frozen:
            outcomes.append(_rejected(index, bet, capper_frozen_error(capper)))
            continue
        try:
            placed_at = _validate(
                tenant=tenant, external_id=bet.external_id, stake_units=bet.stake_units, placed_at=bet.placed_at,
                received_at=now, legs=bet.legs, games=games,
            )  # fmt: skip
        except ApplicationError as error:
            outcomes.append(_rejected(index, bet, error))
            continue
        if quota is not None and open_bets >= quota:
            error = ApplicationError(
                gettext("The %(name)s plan allows %(quota)s open bets; settle some or upgrade the plan.")
                % {"name": tenant.plan.name, "quota": quota},
                code="plan_quota_exceeded",
            )
            outcomes.append(_rejected(index, bet, error))
            continue
        open_bets += 1
        outcome = BetOutcome(index, bet.external_id, "created")
        outcomes.append(outcome)
        seen[bet.external_id] = outcome
        row = new_bet(tenant=tenant, capper=capper, external_id=bet.external_id, stake_units=bet.stake_units,
                      legs=bet.legs, placed_at=placed_at, received_at=now)  # fmt: skip
        new_bets.append((outcome, row, bet))
    _insert(tenant=tenant, actor=actor, new_bets=new_bets, games=games)
    for outcome in outcomes:
        if outcome.status == "existing" and outcome.bet_id is None:
            outcome.bet_id = seen[outcome.external_id].bet_id
    return outcomes


def _insert(*, tenant: Tenant, actor: Actor, new_bets: list, games: dict[str, Game]) -> None:
    if not new_bets:
        return
    created = Bet.objects.bulk_create([bet for _, bet, _ in new_bets])  # PostgreSQL returns the ids
    legs, events = [], []
    for (outcome, _, source), bet in zip(new_bets, created, strict=True):
        outcome.bet_id = bet.pk
        legs += new_legs(bet=bet, legs=source.legs, games=games)
        events.append(
            audit_event(
                actor=actor,
                action="betting.bet_placed",
                target=bet,
                guild_id=tenant.guild_id,
                changes=placement_changes(bet),
            )
        )
    BetLeg.objects.bulk_create(legs, batch_size=2000)
    audit_record_many(events)
    invalidation.bets_placed(tenant_id=tenant.pk)
    bet_ids = [bet.pk for bet in created]
    bets_imported.send(sender=Bet, bet_ids=bet_ids, tenant_id=tenant.pk)
