"""Celery tasks of this area (thin: one service call each); imported by apps/integration/tasks.py."""

from celery import shared_task

from apps.integration.discord.followup import discord_command_follow_up
from apps.integration.discord.interactions import Interaction

__all__ = ["discord_command_follow_up_task"]


@shared_task(acks_late=True)
def discord_command_follow_up_task(interaction: dict, ip_address: str | None = None) -> int | None:
    """Answer a deferred slash command (enqueued through the outbox, which retries a failed run)."""
    return discord_command_follow_up(interaction=Interaction(**interaction), ip_address=ip_address)
