"""Print the slash commands' definitions as JSON, or (--send) register them with Discord.

--send replaces the application's commands with these (Discord's bulk overwrite: PUT
/applications/{application_id}/commands, or .../guilds/{guild}/commands with --guild, which takes effect at
once and suits a test server). The bot token comes from DISCORD_BOT_TOKEN (setting or environment).
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.discord import is_discord_id
from apps.core.outbound.ssrf import OutboundBlocked
from apps.integration.discord.client import DiscordUnavailable, discord_request
from apps.integration.discord.commands import COMMAND_DEFINITIONS


def registration_url(*, application_id: str, guild_id: str | None) -> str:
    base = f"{settings.DISCORD_API_BASE_URL.rstrip('/')}/applications/{application_id}"
    return f"{base}/guilds/{guild_id}/commands" if guild_id else f"{base}/commands"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--send", action="store_true", help="Register the commands instead of printing them.")
        parser.add_argument("--application-id", help="The application id (developer portal); needed with --send.")
        parser.add_argument("--guild", help="Register for this guild only (takes effect at once).")

    def handle(self, *args, send: bool, application_id: str | None, guild: str | None, **options):
        if not send:
            self.stdout.write(json.dumps(COMMAND_DEFINITIONS, indent=2))
            return
        if not is_discord_id(application_id):
            raise CommandError("--send needs --application-id: the application's id, 17 to 20 digits.")
        if guild is not None and not is_discord_id(guild):
            raise CommandError("--guild must be a guild id, 17 to 20 digits.")
        if not settings.DISCORD_BOT_TOKEN:
            raise CommandError("Set DISCORD_BOT_TOKEN (the bot's token from the developer portal) to send commands.")
        url = registration_url(application_id=application_id, guild_id=guild)
        try:
            status, answer = discord_request(
                "PUT", url, body=COMMAND_DEFINITIONS, headers={"Authorization": f"Bot {settings.DISCORD_BOT_TOKEN}"}
            )
        except (OutboundBlocked, DiscordUnavailable) as error:
            raise CommandError(f"The commands were not sent: {error}") from error
        if not 200 <= status < 300:
            detail = answer.get("message", "") if isinstance(answer, dict) else ""
            raise CommandError(f"Discord refused the commands: HTTP {status} {detail}".strip())
        registered = answer if isinstance(answer, list) else []
        names = ", ".join(f"/{command.get('name')} ({command.get('id')})" for command in registered)
        where = f"guild {guild}" if guild else "all guilds"
        self.stdout.write(f"Registered {len(registered)} commands for {where}: {names}")
