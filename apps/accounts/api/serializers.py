from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.accounts.choices import ApiScope
from apps.accounts.countries import ISO_3166_ALPHA2
from apps.accounts.models import ApiKey, Member
from apps.core.api.serializers import DateTimeField, DiscordIdField, StrictCharField, StrictInputSerializer
from apps.keyring.fields import is_sealed


class ApiKeySerializer(serializers.ModelSerializer):
    guild_id = serializers.CharField(source="tenant.guild_id", read_only=True, allow_null=True, default=None)
    parent = serializers.CharField(
        source="parent.prefix",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Prefix of the key that minted this one (null: created in the admin or by the command).",
    )

    class Meta:
        model = ApiKey
        fields = [
            "prefix",
            "name",
            "guild_id",
            "parent",
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
    expires_at = DateTimeField(required=False, allow_null=True, default=None)


class MemberSerializer(serializers.ModelSerializer):
    """A member as a list shows it (no notes: highly restricted, shown on the member's own page)."""

    email = serializers.SerializerMethodField()
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Member
        fields = [
            "discord_user_id",
            "username",
            "display_name",
            "email",
            "date_of_birth",
            "country",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_email(self, member: Member) -> str | None:
        return member.email or None


class MemberDetailSerializer(MemberSerializer):
    notes = serializers.SerializerMethodField(
        help_text="Staff notes (highly restricted). null when sealed: this server does not hold the restricted key."
    )
    notes_sealed = serializers.SerializerMethodField()

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "notes", "notes_sealed"]
        read_only_fields = fields

    def get_notes(self, member: Member) -> str | None:
        return None if is_sealed(member.notes) else member.notes

    def get_notes_sealed(self, member: Member) -> bool:
        return is_sealed(member.notes)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class CountryField(StrictCharField):
    default_error_messages = {"not_a_country": "Must be an ISO 3166-1 alpha-2 country code such as GB, US or DE."}

    def __init__(self, **kwargs):
        super().__init__(max_length=2, allow_blank=True, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if value and value not in ISO_3166_ALPHA2:
            self.fail("not_a_country")
        return value


class MemberProfileInput(StrictInputSerializer):
    username = StrictCharField(max_length=100, min_length=1)
    display_name = StrictCharField(max_length=100, allow_blank=True, required=False)
    email = StrictEmailField(max_length=254, allow_blank=True, required=False)
    date_of_birth = serializers.DateField(allow_null=True, required=False)
    country = CountryField(required=False)
    notes = StrictCharField(max_length=10_000, allow_blank=True, required=False, trim_whitespace=False)

    def validate_date_of_birth(self, value):
        if value is not None and not (date(1900, 1, 1) <= value <= timezone.localdate()):
            raise serializers.ValidationError(_("Must be between 1900-01-01 and today."))
        return value


class MemberCreateInput(MemberProfileInput):
    discord_user_id = DiscordIdField()


class MemberUpdateInput(MemberProfileInput):
    username = StrictCharField(max_length=100, min_length=1, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class MemberEmailQuery(StrictInputSerializer):
    email = StrictEmailField(max_length=254)
