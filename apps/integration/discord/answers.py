"""What each slash command answers, as text: the guild's tenant resolved, then one selector or service call.

A refusal a user can act on (an unknown server, a suspended tenant, not a capper, a bet the ledger refuses)
is raised as CommandRefused or ApplicationError and becomes an ephemeral message, never a 500.
"""

from apps.betting.selectors import capper_get, capper_record, leaderboard
from apps.core.errors import NotFoundError
from apps.integration.discord.commands import CommandRefused, bet_from_options, period_label
from apps.integration.discord.formatting import bet_text, leaderboard_text, pending_text, record_text
from apps.integration.discord.free_text import bets_from_text, text_check
from apps.integration.discord.interactions import Interaction
from apps.integration.discord.selectors import capper_open_bets
from apps.integration.discord.services import discord_bet_place, discord_bets_place
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.selectors import tenant_get

LEADERBOARD_SIZE = 10
PENDING_SHOWN = 10
# who sees the answer: a capper's own numbers and bets are theirs; the leaderboard is the server's
EPHEMERAL = {"bet": True, "record": True, "pending": True, "leaderboard": False}


def interaction_tenant(interaction: Interaction) -> Tenant:
    """The live tenant of the interaction's guild; CommandRefused saying why there is none."""
    if interaction.guild_id is None:
        raise CommandRefused("Use this command inside a server that uses DBSBM, not in a direct message.")
    try:
        tenant = tenant_get(guild_id=interaction.guild_id)
    except NotFoundError:
        raise CommandRefused(
            "This server is not set up on DBSBM, so it has no ledger yet: ask its admins to register it."
        ) from None
    if tenant.status == TenantStatus.SUSPENDED:
        raise CommandRefused("This server's DBSBM account is suspended: its ledger cannot be used until it is lifted.")
    return tenant


def _own_capper(*, tenant: Tenant, interaction: Interaction):
    try:
        return capper_get(tenant=tenant, discord_user_id=interaction.user_id)
    except NotFoundError:
        raise CommandRefused("You are not a capper in this server, so you have no record here yet.") from None


def record_answer(*, tenant: Tenant, interaction: Interaction, ip_address: str | None = None) -> str:
    period, words = period_label(interaction.options.get("period"), timezone_name=tenant.timezone)
    capper = _own_capper(tenant=tenant, interaction=interaction)
    record = capper_record(tenant=tenant, capper=capper, period_label=period)
    return record_text(display_name=capper.display_name, period_words=words, record=record)


def leaderboard_answer(*, tenant: Tenant, interaction: Interaction, ip_address: str | None = None) -> str:
    period, words = period_label(interaction.options.get("period"), timezone_name=tenant.timezone)
    rows = leaderboard(tenant=tenant, period_label=period, limit=LEADERBOARD_SIZE)
    return leaderboard_text(tenant_name=tenant.name, period_words=words, rows=rows)


def pending_answer(*, tenant: Tenant, interaction: Interaction, ip_address: str | None = None) -> str:
    capper = _own_capper(tenant=tenant, interaction=interaction)
    bets, total = capper_open_bets(tenant=tenant, capper=capper, limit=PENDING_SHOWN)
    return pending_text(bets=bets, total=total)


def bet_answer(*, tenant: Tenant, interaction: Interaction, ip_address: str | None = None) -> str:
    if interaction.options.get("text") is not None:
        return _text_bet_answer(tenant=tenant, interaction=interaction, ip_address=ip_address)
    stake, leg = bet_from_options(interaction.options)
    bet, created = discord_bet_place(
        tenant=tenant, interaction=interaction, stake_units=stake, leg=leg, ip_address=ip_address
    )
    return ("Posted. " if created else "Already posted. ") + bet_text(bet)


def _text_bet_answer(*, tenant: Tenant, interaction: Interaction, ip_address: str | None) -> str:
    bets = bets_from_text(interaction.options["text"], tenant=tenant)
    placed = discord_bets_place(
        tenant=tenant,
        interaction=interaction,
        bets=[(bet.stake, bet.legs) for bet in bets],
        ip_address=ip_address,
    )
    lines = [("Posted. " if created else "Already posted. ") + bet_text(bet) for bet, created in placed]
    return "\n".join(lines)


ANSWERS = {"bet": bet_answer, "record": record_answer, "leaderboard": leaderboard_answer, "pending": pending_answer}


def options_check(interaction: Interaction, *, tenant: Tenant) -> None:
    """What can be refused before a command is deferred (its options), so that the refusal is immediate and
    private; what needs the ledger is checked by the deferred run."""
    if interaction.command == "bet" and interaction.options.get("text") is not None:
        text_check(interaction.options["text"])  # parsed by the deferred run (the parser may load its models)
    elif interaction.command == "bet":
        bet_from_options(interaction.options)
    elif "period" in interaction.options or interaction.command in ("record", "leaderboard"):
        period_label(interaction.options.get("period"), timezone_name=tenant.timezone)
