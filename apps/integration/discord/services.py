"""State changes made from Discord: a bet posted with /bet, through the betting service.

Who is the capper. The calling Discord user's capper in the guild's tenant. A Discord user who is not
one is refused, unless the tenant opted in to self-registration (tenant setting
`discord_cappers_self_register: true`): being a capper is otherwise granted by the tenant's staff or its
bot through the API (capper_create), and a slash command must not widen who may post bets.

Who is the actor. The audit trail keeps no identity in clear (betting's capper_create records member ids,
not Discord ids), so the actor is the member by id: `discord:member:<id>`, with the interaction id as the
request id. The idempotency key of the bet is the interaction id: a repeated delivery of the same
interaction (a retried follow-up task) returns the first bet.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.betting.models import Bet, Capper
from apps.betting.selectors import capper_get
from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.core.errors import NotFoundError, PermissionDeniedError
from apps.integration.discord.interactions import Interaction
from apps.tenants.models import Tenant

SELF_REGISTER_SETTING = "discord_cappers_self_register"


def discord_actor(*, interaction: Interaction, member_id: int | None, ip_address: str | None = None) -> Actor:
    """The actor of a change asked for by a Discord interaction (module docstring)."""
    who = f"member {member_id}" if member_id is not None else "a new member"
    return Actor(
        kind="system",
        identifier=f"discord:member:{member_id}" if member_id is not None else "discord:self-registration",
        label=f"Discord /{interaction.command} by {who}",
        ip_address=ip_address,
        request_id=f"discord:{interaction.id}",
    )


def _capper(*, tenant: Tenant, interaction: Interaction, ip_address: str | None) -> Capper:
    try:
        return capper_get(tenant=tenant, discord_user_id=interaction.user_id)
    except NotFoundError:
        if tenant.settings.get(SELF_REGISTER_SETTING) is not True:
            raise PermissionDeniedError(
                _("You are not a capper in this server: ask its admins to add you, then post your bet again."),
                code="not_a_capper",
            ) from None
    return capper_create(
        tenant=tenant,
        actor=discord_actor(interaction=interaction, member_id=None, ip_address=ip_address),
        discord_user_id=interaction.user_id,
        username=interaction.username,
        display_name=interaction.display_name,
    )


@transaction.atomic
def discord_bet_place(
    *, tenant: Tenant, interaction: Interaction, stake_units: Decimal, leg: LegInput, ip_address: str | None = None
) -> tuple[Bet, bool]:
    """Post the calling capper's bet (one transaction: a refused bet leaves no self-registered capper behind)."""
    ((bet, created),) = discord_bets_place(
        tenant=tenant, interaction=interaction, bets=[(stake_units, [leg])], ip_address=ip_address
    )
    return bet, created


@transaction.atomic
def discord_bets_place(
    *,
    tenant: Tenant,
    interaction: Interaction,
    bets: list[tuple[Decimal, list[LegInput]]],
    ip_address: str | None = None,
) -> list[tuple[Bet, bool]]:
    """Post the calling capper's bets of one interaction (a free-text card): all or none. One bet keeps the
    interaction id as its idempotency key; several get `<id>-1`, `<id>-2`, ... (a retry returns them)."""
    capper = _capper(tenant=tenant, interaction=interaction, ip_address=ip_address)
    actor = discord_actor(interaction=interaction, member_id=capper.member_id, ip_address=ip_address)
    placed = []
    for number, (stake_units, legs) in enumerate(bets, start=1):
        external_id = interaction.id if len(bets) == 1 else f"{interaction.id}-{number}"
        placed.append(
            bet_place(
                tenant=tenant,
                actor=actor,
                external_id=external_id,
                capper=capper,
                stake_units=stake_units,
                legs=legs,
            )
        )
    return placed
