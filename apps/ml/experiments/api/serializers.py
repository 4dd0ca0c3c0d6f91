"""Input and output shapes of the experiments and bandit endpoints."""

import math

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.api.serializers import StrictCharField, StrictInputSerializer

UNIT_ID_PATTERN = r"^[0-9A-Za-z_.:\-]{1,64}$"


class StrictNumberField(serializers.FloatField):
    """A finite JSON number, and only a number (not "0.5", not true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            raise serializers.ValidationError(_("A finite JSON number is required."))
        return super().to_internal_value(data)


class UnitIdField(StrictCharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)
        self.validators.append(RegexValidator(UNIT_ID_PATTERN, "Letters, digits and _ . : - only, 1 to 64 characters."))


class AssignInput(StrictInputSerializer):
    unit_id = UnitIdField(help_text="The capper's or tenant's id (as the experiment's unit kind says).")


class AssignOutput(serializers.Serializer):
    experiment = serializers.CharField()
    unit_id = serializers.CharField()
    variant = serializers.CharField()
    recorded = serializers.BooleanField(help_text="True when this call recorded the unit's first exposure.")


class OutcomeInput(StrictInputSerializer):
    unit_id = UnitIdField()
    value = StrictNumberField(help_text="The metric's value for the unit (0 or 1 for a conversion metric).")


class OutcomeOutput(serializers.Serializer):
    experiment = serializers.CharField()
    unit_id = serializers.CharField()
    variant = serializers.CharField()
    value = serializers.FloatField()
    recorded = serializers.BooleanField(help_text="False when the same outcome had been recorded before.")


class RewardInput(StrictInputSerializer):
    reward = StrictNumberField(min_value=0, max_value=1, help_text="The observed reward, 0 (bad) to 1 (good).")


class RewardOutput(serializers.Serializer):
    prediction_id = serializers.UUIDField()
    model = serializers.CharField()
    alias = serializers.CharField()
    reward = serializers.FloatField()
