from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.api.serializers import DiscordIdField, JSONObjectField, StrictCharField, StrictInputSerializer
from apps.tenants.choices import PlanCode
from apps.tenants.models import Tenant

UNIT_FIELD = {"max_digits": 8, "decimal_places": 2, "min_value": Decimal("0.01")}


class PlanSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    monthly_price_usd = serializers.DecimalField(max_digits=8, decimal_places=2)
    active_pending_bets = serializers.IntegerField(allow_null=True, help_text="null: unlimited")
    api_calls_per_minute = serializers.IntegerField()
    webhooks = serializers.IntegerField(allow_null=True, help_text="null: unlimited")
    exports_per_day = serializers.IntegerField(allow_null=True, help_text="null: unlimited")


class TenantSerializer(serializers.ModelSerializer):
    plan = PlanSerializer(read_only=True)

    class Meta:
        model = Tenant
        fields = [
            "guild_id",
            "name",
            "status",
            "plan_code",
            "plan",
            "timezone",
            "unit_min",
            "unit_max",
            "settings",
            "created_at",
            "updated_at",
            "suspended_at",
            "offboarded_at",
        ]
        read_only_fields = fields


class TenantUpdateInput(StrictInputSerializer):
    name = StrictCharField(max_length=100, required=False)
    plan_code = serializers.ChoiceField(choices=PlanCode.choices, required=False)
    timezone = StrictCharField(max_length=64, required=False)
    unit_min = serializers.DecimalField(**UNIT_FIELD, required=False)
    unit_max = serializers.DecimalField(**UNIT_FIELD, required=False)
    settings = JSONObjectField(required=False)
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True)


class TenantCreateInput(StrictInputSerializer):
    guild_id = DiscordIdField()
    name = StrictCharField(max_length=100)
    plan_code = serializers.ChoiceField(choices=PlanCode.choices, default=PlanCode.FREE)
    timezone = StrictCharField(max_length=64, default="UTC")
    unit_min = serializers.DecimalField(**UNIT_FIELD, default=Decimal("0.10"))
    unit_max = serializers.DecimalField(**UNIT_FIELD, default=Decimal("10.00"))
    settings = JSONObjectField(required=False, default=dict)

    def validate_guild_id(self, value):
        if not isinstance(self.initial_data.get("guild_id"), str):
            raise serializers.ValidationError(_("Must be a string of digits (JSON numbers lose precision)."))
        return value
