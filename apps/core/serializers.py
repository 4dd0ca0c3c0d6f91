"""Strict input serializers: unknown fields and wrongly typed values are refused, not coerced."""

from typing import Any

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF's CharField would turn 0 or true into text)."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictInputSerializer(serializers.Serializer):
    """Base of every API input: a JSON object whose keys are all known fields."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["The request body must be a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    name: ["Unknown field; allowed fields are: " + ", ".join(sorted(self.fields)) + "."]
                    for name in unknown
                }
            )
        return super().to_internal_value(data)


class ReasonInput(StrictInputSerializer):
    reason = StrictCharField(max_length=2000)


class OptionalReasonInput(StrictInputSerializer):
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
