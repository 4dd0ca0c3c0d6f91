"""From a verified interaction to the response body: PONG, an answer at once, or a deferral and a task.

Which commands defer is the setting DISCORD_DEFERRED_COMMANDS (default /bet and /leaderboard): a bet takes the
tenant's open-bets lock and runs the placement receivers in its transaction, and a leaderboard on a cold
cache aggregates the tenant's whole ledger for the period; either can pass Discord's 3 seconds under load.
/record and /pending read one capper's rows (cached, or a few indexed queries) and answer inline. A
deferred command's options are checked before it is deferred, so a mistake is answered at once, privately.
"""

import logging

from django.conf import settings

from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError
from apps.integration.discord.answers import ANSWERS, EPHEMERAL, interaction_tenant, options_check
from apps.integration.discord.client import DiscordUnavailable
from apps.integration.discord.commands import COMMAND_NAMES, CommandRefused
from apps.integration.discord.interactions import Interaction, InteractionInvalid, interaction_parse
from apps.integration.discord.messages import InteractionType, deferred, message, pong
from apps.integration.discord.tasks import discord_command_follow_up_task

logger = logging.getLogger(__name__)


def interaction_respond(payload: dict, *, ip_address: str | None) -> dict:
    """The response to a verified interaction; InteractionInvalid for a payload the endpoint cannot read."""
    kind = payload.get("type")
    if kind == InteractionType.PING:
        return pong()
    if kind != InteractionType.APPLICATION_COMMAND:
        raise InteractionInvalid(f"interaction type {kind!r} is not handled by this endpoint")
    interaction = interaction_parse(payload)
    try:
        return _command_respond(interaction, ip_address=ip_address)
    except CommandRefused as refusal:
        return message(str(refusal), ephemeral=True)
    except ApplicationError as refusal:
        return message(refusal.message, ephemeral=True)


def _command_respond(interaction: Interaction, *, ip_address: str | None) -> dict:
    if interaction.command not in COMMAND_NAMES:
        raise CommandRefused(f"/{interaction.command} is not a DBSBM command (any more): ask an admin to update them.")
    tenant = interaction_tenant(interaction)
    ephemeral = EPHEMERAL[interaction.command]
    if interaction.command not in settings.DISCORD_DEFERRED_COMMANDS:
        answer = ANSWERS[interaction.command](tenant=tenant, interaction=interaction, ip_address=ip_address)
        return message(answer, ephemeral=ephemeral)
    options_check(interaction, tenant=tenant)
    try:
        enqueue(discord_command_follow_up_task, interaction.as_task_arguments(), ip_address=ip_address)
    except DiscordUnavailable:
        # only where tasks run eagerly (embedded configuration, tests): the outbox row keeps the failure and
        # is retried after its back-off; the deferral below is still the right answer
        logger.warning("discord: the follow-up of interaction %s failed; the outbox retries it", interaction.id)
    return deferred(ephemeral=ephemeral)
