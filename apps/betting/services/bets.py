"""Placing a bet: validation of the legs, computed odds, idempotency by the Discord message id.

When a bet was placed is the client's claim, so it is bounded by what the server knows:
- the receive time (`received_at`, stored beside `placed_at`): a `placed_at` later than it by more than
  `CLOCK_SKEW_ALLOWANCE` is refused, and one within the allowance is taken as the receive time (the
  clocks disagree by a little; the bet cannot have been placed after it arrived). Refusing, not
  clamping, beyond the allowance: a bot whose clock runs minutes fast should hear about it.
- the Discord message time when `external_id` is a Discord message id (a snowflake carries its
  creation time): `placed_at` may not be later than the message, and without a `placed_at` the message
  time is the placement time.
- no leg may be on a game that is already final or cancelled, whatever `placed_at` says: grading of
  that game has run, so such a bet would stay pending forever. Live bets on a started game are
  allowed; the late-posting detector (apps/fraud) reads the receive time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.betting.choices import BetStatus, GameStatus, LegResult, Market, Selection
from apps.betting.models import Bet, BetLeg, Capper, Game
from apps.betting.models.bets import MAX_PARLAY_LEGS
from apps.betting.odds import InvalidOdds, american_to_decimal, decimal_to_american, net_units, parlay_decimal
from apps.betting.services import invalidation
from apps.betting.signals import bet_placed
from apps.core.actors import Actor
from apps.core.discord import discord_id_time
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.tenants.models import Tenant

SELECTIONS_BY_MARKET = {
    Market.MONEYLINE: {Selection.HOME, Selection.AWAY},
    Market.SPREAD: {Selection.HOME, Selection.AWAY},
    Market.TOTAL: {Selection.OVER, Selection.UNDER},
}


@dataclass(frozen=True)
class LegInput:
    """One leg as the bot posts it: `game` is the provider's external id, or None for a manual leg."""

    market: str
    selection: str
    odds: int
    game: str | None = None
    line: Decimal | None = None
    description: str = ""


# Bet.american_odds is a 32-bit integer and Bet.decimal_odds keeps 12 integer digits: a parlay of long
# shots past this (four legs at +1,000,000) would overflow those columns, a 500 instead of a refusal.
MAX_COMBINED_DECIMAL_ODDS = Decimal(10_000_000)


class BetRejected(ApplicationError):
    code = "bet_rejected"


def capper_frozen_error(capper: Capper) -> BetRejected:
    """The refusal of a frozen capper's new bet, naming the reason (incident response froze it)."""
    return BetRejected(
        _("This capper is frozen and may not post new bets: %(reason)s.")
        % {"reason": capper.frozen_reason or _("no reason given")},
        code="capper_frozen",
        fields={"capper": [_("Frozen since %(frozen_at)s UTC.") % {"frozen_at": f"{capper.frozen_at:%Y-%m-%d %H:%M}"}]},
        status_code=403,
    )


CLOCK_SKEW_ALLOWANCE = timedelta(minutes=2)


def placement_time(
    *, external_id: str, placed_at: datetime | None, received_at: datetime
) -> tuple[datetime, dict[str, list[str]]]:
    """The placement time to store, and the field errors of a claim the server cannot accept (module docstring)."""
    errors: dict[str, list[str]] = {}
    message_time = discord_id_time(external_id)  # None: not a Discord id
    if message_time is not None and message_time > received_at + CLOCK_SKEW_ALLOWANCE:
        errors["external_id"] = [
            f"This Discord message id carries the time {message_time.isoformat()}, which is still in the future."
        ]
        message_time = None
    if placed_at is None:
        return (min(message_time, received_at) if message_time is not None else received_at), errors
    if placed_at > received_at + CLOCK_SKEW_ALLOWANCE:
        minutes = int(CLOCK_SKEW_ALLOWANCE.total_seconds() // 60)
        errors["placed_at"] = [
            f"Must not be later than the time the server received the bet ({minutes} minutes of clock skew allowed)."
        ]
    elif message_time is not None and placed_at > message_time:
        errors["placed_at"] = [
            f"Must not be later than the Discord message time of external_id ({message_time.isoformat()})."
        ]
    return min(placed_at, received_at), errors


def _leg_errors(position: int, leg: LegInput, game: Game | None) -> list[str]:
    errors = []
    try:
        american_to_decimal(leg.odds)
    except InvalidOdds:
        errors.append(
            _("odds %(odds)s are not valid American odds: use +100 or more, or -100 or less") % {"odds": leg.odds}
        )
    allowed = SELECTIONS_BY_MARKET.get(leg.market)
    if allowed is not None and leg.selection not in allowed:
        errors.append(
            _("selection for a %(market)s must be one of %(allowed)s")
            % {"market": leg.market, "allowed": ", ".join(sorted(allowed))}
        )
    if leg.market in (Market.SPREAD, Market.TOTAL) and leg.line is None:
        errors.append(_("a %(market)s needs a line") % {"market": leg.market})
    if leg.market == Market.MONEYLINE and leg.line is not None:
        errors.append(_("a moneyline has no line"))
    if leg.market == Market.TOTAL and leg.line is not None and leg.line <= 0:
        errors.append(_("a total's line must be positive"))
    if leg.game is not None and game is None:
        errors.append(
            _("unknown game %(game)r: post it to /api/v1/games/ first, or send game null for a manual leg")
            % {"game": leg.game}
        )
    if leg.game is None and not leg.description.strip():
        errors.append(_("a leg on no listed game needs a description naming the teams"))
    if game is not None and game.status == GameStatus.CANCELLED:
        errors.append(_("game %(game)s was cancelled") % {"game": leg.game})
    if game is not None and game.status == GameStatus.FINAL:
        errors.append(_("game %(game)s is already final") % {"game": leg.game})
    return [_("leg %(position)s: %(message)s") % {"position": position, "message": message} for message in errors]


def _validate(
    *,
    tenant: Tenant,
    external_id: str,
    stake_units: Decimal,
    placed_at: datetime | None,
    received_at: datetime,
    legs: list[LegInput],
    games: dict[str, Game],
) -> datetime:
    """Raise BetRejected with every field error of the bet; return the placement time to store."""
    placed_at, fields = placement_time(external_id=external_id, placed_at=placed_at, received_at=received_at)
    if not tenant.unit_min <= stake_units <= tenant.unit_max:
        fields["stake_units"] = [
            _("Must be between %(unit_min)s and %(unit_max)s units for this tenant.")
            % {"unit_min": tenant.unit_min, "unit_max": tenant.unit_max}
        ]
    if not 1 <= len(legs) <= MAX_PARLAY_LEGS:
        fields["legs"] = [
            _("A bet has 1 leg, or 2 to %(max_parlay_legs)s for a parlay.") % {"max_parlay_legs": MAX_PARLAY_LEGS}
        ]
    game_ids = [leg.game for leg in legs if leg.game is not None]
    if len(game_ids) != len(set(game_ids)):
        fields.setdefault("legs", []).append(_("A parlay's legs must be on distinct games."))
    leg_errors = [
        error
        for position, leg in enumerate(legs, start=1)
        for error in _leg_errors(position, leg, games.get(leg.game or ""))
    ]
    if leg_errors:
        fields.setdefault("legs", []).extend(leg_errors)
    elif legs and parlay_decimal(leg.odds for leg in legs) > MAX_COMBINED_DECIMAL_ODDS:
        fields.setdefault("legs", []).append(
            _("The combined odds are above %(maximum)s in decimal (+999,999,900): use fewer legs or shorter odds.")
            % {"maximum": f"{MAX_COMBINED_DECIMAL_ODDS:,}"}
        )
    if fields:
        messages = [message for values in fields.values() for message in values]
        raise BetRejected(_("The bet was not placed: %(reasons)s") % {"reasons": "; ".join(messages)}, fields=fields)
    return placed_at


# pg_advisory_xact_lock(namespace, tenant id): the open-bet count of one tenant, held to commit
_OPEN_BETS_LOCK_NAMESPACE = 0x0B375  # "open bets"; other advisory locks use single-key forms


def open_bets_lock(*, tenant: Tenant) -> None:
    """Serialise the placements of one tenant whose plan caps open bets, until this transaction ends.

    Without it two placements count the same open bets and both insert, passing the quota. The row of
    the tenant is not locked (that would queue tenant edits behind placements); SQLite's write
    transactions are serialised already, so the embedded configuration needs nothing more."""
    if tenant.plan.active_pending_bets is not None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # the two-int form: tenants 2**31 apart share a lock, which only makes them wait
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_OPEN_BETS_LOCK_NAMESPACE, tenant.pk % 2**31]
            )


def _check_quota(tenant: Tenant) -> None:
    quota = tenant.plan.active_pending_bets
    if quota is None:
        return
    open_bets_lock(tenant=tenant)  # the count below sees every placement committed before ours
    open_bets = Bet.objects.filter(tenant=tenant, status__in=[BetStatus.PENDING, BetStatus.LIVE]).count()
    if open_bets >= quota:
        raise PermissionDeniedError(
            _("The %(name)s plan allows %(quota)s open bets; settle some or upgrade the plan.")
            % {"name": tenant.plan.name, "quota": quota},
            code="plan_quota_exceeded",
        )


def new_bet(
    *,
    tenant: Tenant,
    capper: Capper,
    external_id: str,
    stake_units: Decimal,
    legs: list[LegInput],
    placed_at: datetime,
    received_at: datetime,
) -> Bet:
    """The unsaved row of a validated bet, with its computed odds and potential profit."""
    decimal_odds = parlay_decimal(leg.odds for leg in legs)
    return Bet(
        tenant=tenant,
        capper=capper,
        external_id=external_id,
        stake_units=stake_units,
        leg_count=len(legs),
        american_odds=legs[0].odds if len(legs) == 1 else decimal_to_american(decimal_odds),
        decimal_odds=decimal_odds.quantize(Decimal("0.000001")),
        potential_profit=net_units(stake_units, [(leg.odds, LegResult.WON) for leg in legs]),
        placed_at=placed_at,
        received_at=received_at,
    )


def new_legs(*, bet: Bet, legs: list[LegInput], games: dict[str, Game]) -> list[BetLeg]:
    """The unsaved leg rows of a saved bet, numbered from 1."""
    return [
        BetLeg(
            bet=bet,
            position=position,
            game=games.get(leg.game) if leg.game else None,
            manual_teams=leg.description[:200] if leg.game is None else "",
            market=leg.market,
            selection=leg.selection,
            line=leg.line,
            odds=leg.odds,
            description=leg.description,
        )
        for position, leg in enumerate(legs, start=1)
    ]


def placement_changes(bet: Bet) -> dict:
    """What the audit event of a placement records."""
    return field_changes(
        {}, {"stake_units": bet.stake_units, "legs": bet.leg_count, "american_odds": bet.american_odds}
    )


def bet_place(
    *,
    tenant: Tenant,
    actor: Actor,
    external_id: str,
    capper: Capper,
    stake_units: Decimal,
    legs: list[LegInput],
    placed_at: datetime | None = None,
    received_at: datetime | None = None,
) -> tuple[Bet, bool]:
    """Record a capper's bet; a repeat of the same Discord message returns the first bet (created=False).

    `received_at` is when the server received it (now, unless the caller took it earlier); `placed_at`
    is bounded by it and by the Discord message time (module docstring).
    """
    received_at = received_at or timezone.now()
    existing = Bet.objects.filter(tenant=tenant, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        return _bet_create(
            tenant=tenant,
            actor=actor,
            external_id=external_id,
            capper=capper,
            stake_units=stake_units,
            legs=legs,
            placed_at=placed_at,
            received_at=received_at,
        ), True
    except IntegrityError:
        # the same message posted twice at once: the other request created it
        existing = Bet.objects.filter(tenant=tenant, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False


@transaction.atomic
def _bet_create(
    *,
    tenant: Tenant,
    actor: Actor,
    external_id: str,
    capper: Capper,
    stake_units: Decimal,
    legs: list[LegInput],
    placed_at: datetime | None,
    received_at: datetime,
) -> Bet:
    if capper.tenant_id != tenant.pk or not capper.is_active:
        raise BetRejected(
            _("This capper may not post bets in this tenant."), fields={"capper": [_("Not an active capper.")]}
        )
    if capper.is_frozen:
        raise capper_frozen_error(capper)
    game_ids = {leg.game for leg in legs if leg.game is not None}
    games = {game.external_id: game for game in Game.objects.filter(external_id__in=game_ids)}
    placed_at = _validate(
        tenant=tenant, external_id=external_id, stake_units=stake_units, placed_at=placed_at,
        received_at=received_at, legs=legs, games=games,
    )  # fmt: skip
    _check_quota(tenant)
    bet = new_bet(tenant=tenant, capper=capper, external_id=external_id, stake_units=stake_units, legs=legs,
                  placed_at=placed_at, received_at=received_at)  # fmt: skip
    bet.save(force_insert=True)
    BetLeg.objects.bulk_create(new_legs(bet=bet, legs=legs, games=games))
    audit_record(
        actor=actor,
        action="betting.bet_placed",
        target=bet,
        guild_id=tenant.guild_id,
        changes=placement_changes(bet),
    )
    invalidation.bets_placed(tenant_id=tenant.pk)
    bet_placed.send(sender=Bet, bet_id=bet.pk, tenant_id=tenant.pk)  # in the transaction: receivers write the outbox
    return bet
