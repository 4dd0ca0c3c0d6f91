"""Settings of integration_discord (issue #15): the Discord interactions endpoint at /discord/interactions/."""

from dbsbm.settings.environment import env_int, env_list, env_str

# The application's public key (hex, 64 characters) from the Discord developer portal ("General Information").
# Empty: the endpoint refuses every request with 401 (nothing can be verified).
DISCORD_PUBLIC_KEY = env_str("DISCORD_PUBLIC_KEY", "")
# A signed request whose X-Signature-Timestamp is further than this from now (either way) is refused: a
# captured request cannot be replayed later. Each interaction id is also accepted once within the window.
DISCORD_TIMESTAMP_TOLERANCE_SECONDS = env_int("DISCORD_TIMESTAMP_TOLERANCE_SECONDS", 300)
# Interactions are small JSON documents; anything larger is refused (413) before it is verified or parsed.
DISCORD_INTERACTION_MAX_BYTES = env_int("DISCORD_INTERACTION_MAX_BYTES", 64 * 1024)
# Where follow-ups (the answers of deferred commands) and command registration go; tests point it at a
# local server. Outbound calls pass the SSRF guard (WEBHOOK_ALLOWED_PRIVATE_NETWORKS).
DISCORD_API_BASE_URL = env_str("DISCORD_API_BASE_URL", "https://discord.com/api/v10")
# The bot token used by `manage.py discord_register_commands --send` (never logged).
DISCORD_BOT_TOKEN = env_str("DISCORD_BOT_TOKEN", "")
# Commands answered with a deferred response (type 5) and a follow-up sent by a Celery task; the others
# answer inline. Discord allows 3 seconds for the first answer.
DISCORD_DEFERRED_COMMANDS = env_list("DISCORD_DEFERRED_COMMANDS", ["bet", "leaderboard"])
# Follow-up requests: a slow Discord must not hold a worker (seconds).
DISCORD_HTTP_CONNECT_TIMEOUT = env_int("DISCORD_HTTP_CONNECT_TIMEOUT", 3)
DISCORD_HTTP_READ_TIMEOUT = env_int("DISCORD_HTTP_READ_TIMEOUT", 5)
