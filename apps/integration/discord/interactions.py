"""An interaction as this endpoint reads it: the few fields of Discord's payload the commands use.

Discord's payload is large and grows; only what is read here is trusted to exist, and a payload without
it is a 400 (it is signed by Discord, so a malformed one is a bug or a new interaction type, not an attack).
"""

from dataclasses import asdict, dataclass

from apps.core.discord import is_discord_id


class InteractionInvalid(Exception):
    """The payload lacks what the endpoint needs (the message names it; answered 400)."""


@dataclass(frozen=True)
class Interaction:
    """One application command: who ran it where, and its options (name → value)."""

    id: str
    application_id: str
    token: str
    command: str
    options: dict
    guild_id: str | None  # None: run in a direct message
    user_id: str
    username: str
    display_name: str

    def as_task_arguments(self) -> dict:
        """What a task needs (JSON): the token included, valid for 15 minutes (Discord's rule)."""
        return asdict(self)


def _options(data: dict) -> dict:
    """Top-level options as {name: value}; a sub-command's options are not used by these commands."""
    options = data.get("options") or []
    if not isinstance(options, list):
        raise InteractionInvalid("data.options must be a list")
    values = {}
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str) or "value" not in option:
            raise InteractionInvalid("every option needs a name and a value")
        values[option["name"]] = option["value"]
    return values


def _user(payload: dict) -> dict:
    # in a guild the user is inside `member` (with the guild nickname); in a direct message it is `user`
    member = payload.get("member")
    user = member.get("user") if isinstance(member, dict) else payload.get("user")
    if not isinstance(user, dict) or not is_discord_id(user.get("id")):
        raise InteractionInvalid("the interaction names no user")
    nickname = member.get("nick") if isinstance(member, dict) else None
    username = str(user.get("username") or user["id"])[:100]
    return {
        "user_id": user["id"],
        "username": username,
        "display_name": str(nickname or user.get("global_name") or username)[:100],
    }


def interaction_parse(payload: dict) -> Interaction:
    """The command interaction in `payload`; InteractionInvalid when a field it needs is missing."""
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise InteractionInvalid("an application command needs data.name")
    for name in ("id", "application_id"):
        if not is_discord_id(payload.get(name)):
            raise InteractionInvalid(f"{name} must be a Discord id")
    if not isinstance(payload.get("token"), str) or not payload["token"]:
        raise InteractionInvalid("token is missing")
    guild_id = payload.get("guild_id")
    if guild_id is not None and not is_discord_id(guild_id):
        raise InteractionInvalid("guild_id must be a Discord id")
    return Interaction(
        id=payload["id"],
        application_id=payload["application_id"],
        token=payload["token"],
        command=data["name"],
        options=_options(data),
        guild_id=guild_id,
        **_user(payload),
    )
