"""The bodies Discord expects back: interaction responses and follow-up messages.

Every message this endpoint writes carries `allowed_mentions: {"parse": []}`: a display name such as
"@everyone" or a user mention in a leaderboard must never ping anyone.
"""

from enum import IntEnum

MAX_CONTENT_LENGTH = 2000  # Discord refuses longer message content
EPHEMERAL = 1 << 6  # message flag: shown only to the user who ran the command
NO_MENTIONS = {"parse": []}


class InteractionType(IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2


class ResponseType(IntEnum):
    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5


def content_fit(content: str) -> str:
    """The content cut to Discord's limit, marked when cut."""
    if len(content) <= MAX_CONTENT_LENGTH:
        return content
    return content[: MAX_CONTENT_LENGTH - 1] + "…"


def message_data(content: str, *, ephemeral: bool) -> dict:
    """A message's fields: its text, no mentions, ephemeral when asked."""
    data = {"content": content_fit(content), "allowed_mentions": NO_MENTIONS}
    if ephemeral:
        data["flags"] = EPHEMERAL
    return data


def pong() -> dict:
    return {"type": ResponseType.PONG}


def message(content: str, *, ephemeral: bool = True) -> dict:
    """An answer shown at once (type 4)."""
    return {"type": ResponseType.CHANNEL_MESSAGE_WITH_SOURCE, "data": message_data(content, ephemeral=ephemeral)}


def deferred(*, ephemeral: bool) -> dict:
    """ "Thinking…" (type 5): the answer follows through the webhook; `ephemeral` decides who will see it."""
    return {"type": ResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, "data": {"flags": EPHEMERAL if ephemeral else 0}}
