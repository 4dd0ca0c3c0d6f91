"""The second half of a deferred command: do it, then replace Discord's "thinking…" with the answer.

Runs in a Celery task, inside the outbox's transaction (apps/core/outbox.py): a follow-up that Discord did
not take (unreachable, or any status but 2xx) raises, so the command's writes roll back with it (a /bet is
not kept unannounced) and the outbox runs it again after its back-off; the bet's idempotency key (the interaction
id) keeps a repeated run to one bet. An interaction token lives 15 minutes: past that nobody can be answered,
so an expired interaction is dropped without running the command (the user saw it fail and may post again).
"""

import logging
from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from apps.core.discord import discord_id_time
from apps.core.errors import ApplicationError
from apps.integration.discord.answers import ANSWERS, EPHEMERAL, interaction_tenant
from apps.integration.discord.client import DiscordUnavailable, discord_request
from apps.integration.discord.commands import CommandRefused
from apps.integration.discord.interactions import Interaction
from apps.integration.discord.messages import message_data

logger = logging.getLogger(__name__)
TOKEN_LIFETIME = timedelta(minutes=15)


class FollowupNotDelivered(DiscordUnavailable):
    """Discord answered the follow-up with a 4xx: nothing the user sees changed, so nothing is kept."""


def followup_url(interaction: Interaction) -> str:
    """The deferred response itself (`@original`), edited in place."""
    base = settings.DISCORD_API_BASE_URL.rstrip("/")
    token = quote(interaction.token, safe="")  # one path segment, whatever the token holds
    return f"{base}/webhooks/{interaction.application_id}/{token}/messages/@original"


def command_answer(interaction: Interaction, *, ip_address: str | None) -> str:
    """The text of a command's answer, a refusal included (what the user can do about it)."""
    try:
        tenant = interaction_tenant(interaction)
        return ANSWERS[interaction.command](tenant=tenant, interaction=interaction, ip_address=ip_address)
    except CommandRefused as refusal:
        return str(refusal)
    except ApplicationError as refusal:
        return refusal.message


def discord_followup_send(*, interaction: Interaction, content: str) -> int:
    """Replace the deferred message of `interaction` with `content` (no mentions); the HTTP status.

    Through the SSRF-guarded, breaker-protected client (apps/integration/discord/client.py). Raises
    DiscordUnavailable (unreachable, 429, 5xx) or FollowupNotDelivered (4xx)."""
    status, _answer = discord_request(
        "PATCH",
        followup_url(interaction),
        body=message_data(content, ephemeral=EPHEMERAL[interaction.command]),
    )
    if not 200 <= status < 300:
        raise FollowupNotDelivered(f"Discord refused the follow-up of interaction {interaction.id}: HTTP {status}")
    return status


def discord_command_follow_up(*, interaction: Interaction, ip_address: str | None = None) -> int | None:
    """Run a deferred command and edit its message with the answer; the HTTP status Discord gave, or None when
    the interaction had expired. DiscordUnavailable propagates (the outbox retries until the token expires)."""
    created_at = discord_id_time(interaction.id)
    if created_at is None or timezone.now() - created_at > TOKEN_LIFETIME:
        logger.warning("discord: interaction %s expired before its follow-up; not run", interaction.id)
        return None
    return discord_followup_send(interaction=interaction, content=command_answer(interaction, ip_address=ip_address))
