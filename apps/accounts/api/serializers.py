from rest_framework import serializers

from apps.accounts.choices import ApiScope
from apps.accounts.models import ApiKey
from apps.core.serializers import StrictCharField, StrictInputSerializer


class ApiKeySerializer(serializers.ModelSerializer):
    guild_id = serializers.CharField(source="tenant.guild_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ApiKey
        fields = [
            "prefix",
            "name",
            "guild_id",
            "scopes",
            "created_by",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_reason",
        ]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The secret. Shown once: store it now, it cannot be shown again.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateInput(StrictInputSerializer):
    name = StrictCharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiScope.choices), min_length=1, max_length=20)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
