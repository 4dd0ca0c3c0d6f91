"""Strict input serializers: unknown fields and wrongly typed values are refused, not coerced."""

from datetime import UTC
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.datetimes import OUT_OF_RANGE_MESSAGE
from apps.core.discord import DISCORD_ID_MESSAGE, validate_discord_id


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField would turn 0 or true into text)."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class DateTimeField(serializers.DateTimeField):
    """A date and time as the database stores it: any RFC 3339 offset, normalised to UTC; an instant
    outside years 1..9999 in UTC is refused (apps.core.datetimes). Every API datetime uses this one."""

    default_error_messages = {"overflow": OUT_OF_RANGE_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)


class DiscordIdField(StrictCharField):
    """A Discord id (guild, user): a string of 17 to 20 digits (apps.core.discord), never a JSON number."""

    default_error_messages = {"not_a_string": DISCORD_ID_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("min_length", 17)
        kwargs.setdefault("validators", [validate_discord_id])
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str) and not 17 <= len(data) <= 20:
            self.fail("not_a_string")  # one message for every wrong id, not DRF's length messages
        return super().to_internal_value(data)


def _json_depth_and_strings(value: Any) -> tuple[int, list[str]]:
    """How deeply a parsed JSON value nests, and every key and string in it (iterative: no recursion)."""
    depth, strings, stack = 0, [], [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            depth = max(depth, level)
            strings.extend(item)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            depth = max(depth, level)
            stack.extend((child, level + 1) for child in item)
    return depth, strings


class JSONObjectField(serializers.DictField):
    """A JSON object stored as-is in a JSONField: at most `max_depth` levels, no NUL character.

    PostgreSQL's jsonb cannot hold the NUL character (`\\u0000`), and a deeply nested document
    breaks the recursive code that hashes and stores it; both are refused here as invalid input.
    """

    default_error_messages = {
        "null_character": "Must not contain the NUL character (\\u0000).",
        "too_deep": "Must not nest more than {max_depth} levels deep.",
    }

    def __init__(self, *, max_depth: int = 32, **kwargs: Any) -> None:
        self.max_depth = max_depth
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict:
        value = super().to_internal_value(data)
        depth, strings = _json_depth_and_strings(value)
        if depth > self.max_depth:
            self.fail("too_deep", max_depth=self.max_depth)
        if any("\x00" in text for text in strings):
            self.fail("null_character")
        return value


class StrictInputSerializer(serializers.Serializer):
    """Base of every API input: a JSON object whose keys are all known fields."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("The request body must be a JSON object.")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [
                        _("Unknown field; allowed fields are: %(fields)s.") % {"fields": ", ".join(sorted(self.fields))}
                    ]
                    for name in unknown
                }
            )
        return super().to_internal_value(data)


class ReasonInput(StrictInputSerializer):
    reason = StrictCharField(max_length=2000)


class OptionalReasonInput(StrictInputSerializer):
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class StrictIntegerField(serializers.IntegerField):
    """An integer, and only a JSON integer (not "110", not true, not 110.0)."""

    default_error_messages = {"not_an_integer": "Must be a whole number (a JSON integer, not a string)."}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)
