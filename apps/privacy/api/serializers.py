"""Shapes of the privacy API: data-subject requests and members' consents."""

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    DateTimeField,
    DiscordIdField,
    JSONObjectField,
    StrictCharField,
    StrictInputSerializer,
)
from apps.privacy.choices import ConsentAction, RequestKind, RequestStatus, VerificationMethod
from apps.privacy.models import ConsentRecord, DataSubjectRequest
from apps.privacy.services.staff import portal_path


class RequestCreateInput(StrictInputSerializer):
    guild_id = DiscordIdField(help_text="The tenant's Discord guild id.")
    discord_user_id = DiscordIdField(help_text="The person's Discord user id.")
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    details = JSONObjectField(
        required=False,
        default=dict,
        max_depth=4,
        help_text='Free details; a rectification names its corrections: {"changes": {"email": "new@example.org"}}.',
    )


class RequestVerifyInput(StrictInputSerializer):
    method = serializers.ChoiceField(choices=VerificationMethod.choices)
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class RequestNoteInput(StrictInputSerializer):
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class RequestAssignInput(StrictInputSerializer):
    assignee = StrictCharField(
        max_length=150, allow_null=True, allow_blank=True, help_text="A staff username; null unassigns."
    )


class RequestCompleteInput(StrictInputSerializer):
    resolution = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class RequestRejectInput(StrictInputSerializer):
    reason = StrictCharField(max_length=2000)


class DataSubjectRequestSerializer(serializers.ModelSerializer):
    guild_id = serializers.CharField(source="tenant.guild_id", read_only=True)
    discord_user_id = serializers.CharField(source="member.discord_user_id", read_only=True)
    kind = serializers.ChoiceField(choices=RequestKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    details = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()
    export = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "guild_id",
            "discord_user_id",
            "kind",
            "status",
            "details",
            "received_at",
            "due_at",
            "is_overdue",
            "assignee",
            "verification",
            "resolution",
            "completed_at",
            "export",
            "certificate",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_details(self, request: DataSubjectRequest) -> dict:
        return request.details

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, request: DataSubjectRequest) -> str | None:
        return request.assignee.get_username() if request.assignee else None

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "method": {"type": "string"},
                "verified_by": {"type": "string"},
                "verified_at": {"type": "string", "format": "date-time"},
            },
        }
    )
    def get_verification(self, request: DataSubjectRequest) -> dict | None:
        if not request.is_verified:
            return None
        return {
            "method": request.verification_method,
            "verified_by": request.verified_by,
            "verified_at": DateTimeField().to_representation(request.verified_at),
        }

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "sha256": {"type": "string"},
                "size_bytes": {"type": "integer"},
                "portal_url": {
                    "type": "string",
                    "description": "The request's portal page, where staff with a second factor download the zip",
                },
            },
        }
    )
    def get_export(self, request: DataSubjectRequest) -> dict | None:
        exports = getattr(request, "prefetched_exports", None)
        export = exports[0] if exports else None
        if export is None:
            return None
        return {
            "id": export.pk,
            "sha256": export.sha256,
            "size_bytes": export.size_bytes,
            "portal_url": portal_path(request.pk),
        }

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "member_pseudonym": {"type": "string"},
                "erased_at": {"type": "string", "format": "date-time"},
                "sha256": {"type": "string"},
                "erased": {"type": "object", "additionalProperties": True},
            },
        }
    )
    def get_certificate(self, request: DataSubjectRequest) -> dict | None:
        certificate = getattr(request, "certificate", None)
        if certificate is None:
            return None
        return {
            "member_pseudonym": certificate.member_pseudonym,
            "erased_at": DateTimeField().to_representation(certificate.erased_at),
            "sha256": certificate.content_sha256,
            "erased": certificate.erased,
        }

    def get_is_overdue(self, request: DataSubjectRequest) -> bool:
        return request.is_open and request.due_at < timezone.now()


class ConsentInput(StrictInputSerializer):
    consent_type = StrictCharField(
        max_length=50,
        validators=[RegexValidator(r"^[-a-z0-9_]+$", "A consent type code such as marketing.")],
        help_text="The consent type's code, e.g. marketing.",
    )
    action = serializers.ChoiceField(choices=[("grant", "Grant"), ("withdraw", "Withdraw")])
    source = serializers.ChoiceField(choices=[("api", "API"), ("import", "Import")], required=False, default="api")


ACTIONS = {"grant": ConsentAction.GRANTED, "withdraw": ConsentAction.WITHDRAWN}


class ConsentRecordSerializer(serializers.ModelSerializer):
    consent_type = serializers.CharField(source="consent_type.code", read_only=True)
    version = serializers.IntegerField(source="consent_type.version", read_only=True)
    action = serializers.ChoiceField(choices=ConsentAction.choices, read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["id", "consent_type", "version", "action", "source", "recorded_at", "recorded_by"]
        read_only_fields = fields


class CurrentConsentSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    is_required = serializers.BooleanField()
    granted = serializers.BooleanField()
    granted_version = serializers.IntegerField(allow_null=True)
    is_current_version = serializers.BooleanField()
    since = DateTimeField(allow_null=True)


class MemberConsentsSerializer(serializers.Serializer):
    current = CurrentConsentSerializer(many=True)
    history = ConsentRecordSerializer(many=True)
