"""`manage.py discord_register_commands`: prints the definitions, or sends them to Discord's API (a local
stand-in here) with the bot token, for every guild or one."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.integration.discord.commands import COMMAND_DEFINITIONS
from tests.integration.discord_helpers import APPLICATION_ID, GUILD_ID, DiscordStandIn


@pytest.fixture(scope="module")
def discord_api():
    stand_in = DiscordStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def discord(settings, discord_api):
    settings.DISCORD_API_BASE_URL = discord_api.base_url
    settings.DISCORD_BOT_TOKEN = "bot-token-for-tests"
    discord_api.reset(
        answer=[{"id": f"80000000000000000{n}", "name": c["name"]} for n, c in enumerate(COMMAND_DEFINITIONS)]
    )
    return discord_api


def _run(*args) -> str:
    out = StringIO()
    call_command("discord_register_commands", *args, stdout=out)
    return out.getvalue()


def test_by_default_the_definitions_are_printed_as_json_and_nothing_is_sent(discord):
    printed = json.loads(_run())

    assert [definition["name"] for definition in printed] == ["bet", "record", "leaderboard", "pending"]
    assert [option["name"] for option in printed[0]["options"]] == [
        "market", "selection", "odds", "stake", "game", "team", "line", "text",
    ]  # fmt: skip
    assert [choice["value"] for choice in printed[1]["options"][0]["choices"]] == [
        "month", "last-month", "year", "lifetime",
    ]  # fmt: skip
    assert discord.received == []


@pytest.mark.parametrize(
    ("guild", "path"),
    [
        (None, f"/api/v10/applications/{APPLICATION_ID}/commands"),
        (GUILD_ID, f"/api/v10/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"),
    ],
)
def test_send_overwrites_the_commands_with_the_bot_token(discord, guild, path):
    args = ["--send", "--application-id", APPLICATION_ID] + (["--guild", guild] if guild else [])

    printed = _run(*args)

    [request] = discord.received
    assert (request.method, request.path, request.headers["Authorization"]) == ("PUT", path, "Bot bot-token-for-tests")
    assert request.body == COMMAND_DEFINITIONS
    assert printed.startswith(f"Registered 4 commands for {'guild ' + guild if guild else 'all guilds'}: /bet (")


@pytest.mark.parametrize(
    ("args", "token", "message"),
    [
        (["--send"], "t", "--send needs --application-id"),
        (["--send", "--application-id", "12"], "t", "--send needs --application-id"),
        (["--send", "--application-id", APPLICATION_ID, "--guild", "x"], "t", "--guild must be a guild id"),
        (["--send", "--application-id", APPLICATION_ID], "", "Set DISCORD_BOT_TOKEN"),
    ],
)
def test_send_without_what_it_needs_fails_clearly_and_sends_nothing(discord, settings, args, token, message):
    settings.DISCORD_BOT_TOKEN = token

    with pytest.raises(CommandError, match=message):
        _run(*args)

    assert discord.received == []


def test_a_refusal_by_discord_is_an_error_with_its_message(discord):
    discord.reset(status=401, answer={"message": "401: Unauthorized", "code": 0})

    with pytest.raises(CommandError, match="Discord refused the commands: HTTP 401 401: Unauthorized"):
        _run("--send", "--application-id", APPLICATION_ID)


def test_the_ssrf_guard_applies_to_the_api_base_url(discord, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []

    with pytest.raises(CommandError, match="127.0.0.1 resolves to 127.0.0.1, a private, loopback"):
        _run("--send", "--application-id", APPLICATION_ID)

    assert discord.received == []
