"""Discord ids: the one rule for guild ids, user ids, cappers, members and data-subject requests.

A Discord id is a snowflake: an unsigned 64-bit integer sent as a decimal string (a JSON number loses
precision). Its top bits are milliseconds since 2015-01-01, so every id Discord has issued is 17 digits or
more; the largest 64-bit value has 20. The rule: 17 to 20 ASCII digits, no leading zero, at most
2**64 - 1. Models validate with `validate_discord_id` and hold `DISCORD_ID_PATTERN` as a database check;
API inputs use `apps.core.api.serializers.DiscordIdField`.
"""

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

DISCORD_ID_PATTERN = r"^[1-9][0-9]{16,19}$"
DISCORD_ID_MAX = 2**64 - 1
DISCORD_ID_MESSAGE = gettext_lazy("Must be a Discord id: 17 to 20 digits, as a string.")
_DISCORD_ID = re.compile(DISCORD_ID_PATTERN)
DISCORD_EPOCH_MS = 1_420_070_400_000


def is_discord_id(value: object) -> bool:
    """Whether `value` is a Discord id as a string (see the module docstring)."""
    return isinstance(value, str) and _DISCORD_ID.fullmatch(value) is not None and int(value) <= DISCORD_ID_MAX


def validate_discord_id(value: object) -> None:
    """Django (and DRF) validator: a ValidationError unless `value` is a Discord id."""
    if not is_discord_id(value):
        raise ValidationError(DISCORD_ID_MESSAGE, code="invalid")


def discord_id_time(value: str) -> datetime | None:
    """The creation time inside a Discord id ((id >> 22) ms after 2015-01-01), or None when `value` is not
    a Discord id (some other client's message id says nothing about time)."""
    if not is_discord_id(value):
        return None
    return datetime.fromtimestamp(((int(value) >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)
