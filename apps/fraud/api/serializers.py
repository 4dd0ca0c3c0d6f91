from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import StrictCharField, StrictInputSerializer
from apps.fraud.choices import CaseStatus, FraudKind
from apps.fraud.models import FraudCase, FraudCaseMember


class FraudCaseMemberSerializer(serializers.ModelSerializer):
    guild_id = serializers.CharField(source="capper.tenant.guild_id", read_only=True)
    discord_user_id = serializers.CharField(source="capper.member.discord_user_id", read_only=True)

    class Meta:
        model = FraudCaseMember
        fields = ["guild_id", "discord_user_id"]


class FraudCaseSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FraudKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    members = FraudCaseMemberSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()

    class Meta:
        model = FraudCase
        fields = [
            "id",
            "kind",
            "score",
            "status",
            "members",
            "evidence",
            "explanation",
            "assignee",
            "detection_count",
            "first_detected_at",
            "last_detected_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_evidence(self, case: FraudCase) -> dict:
        return case.evidence

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, case: FraudCase) -> str | None:
        return case.assignee.get_username() if case.assignee else None


class FraudCaseTriageInput(StrictInputSerializer):
    """At least one of: a new status, an assignee (a staff username, or null to unassign), a note."""

    status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    assignee = StrictCharField(max_length=150, required=False, allow_null=True, allow_blank=True)
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, data):
        if not data.get("note") and "status" not in data and "assignee" not in data:
            raise serializers.ValidationError({"non_field_errors": [_("Send a status, an assignee or a note.")]})
        return data
