from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    DateTimeField,
    DiscordIdField,
    StrictCharField,
    StrictInputSerializer,
    StrictIntegerField,
)
from apps.incidents.choices import (
    RESPONSE_TIMES,
    ClockStatus,
    IncidentKind,
    IncidentSeverity,
    IncidentStatus,
    TimelineKind,
)
from apps.incidents.models import Incident, RegulatoryClock, TimelineEntry


class ClockSerializer(serializers.ModelSerializer):
    due_at = DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=ClockStatus.choices, read_only=True)

    class Meta:
        model = RegulatoryClock
        fields = ["regulation", "due_at", "status"]
        read_only_fields = fields


class LinksSerializer(serializers.Serializer):
    security_alerts = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    fraud_cases = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    check_runs = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    audit_events = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class StampedSerializer(serializers.ModelSerializer):
    # A model serializer whose row's created_at and updated_at are shown as the API's datetimes (a comment, not
    # a docstring: the schema would show it as the description of every serializer that has none of its own).
    # and every other datetime of the model (the incident's RESPONSE_TIMES) in the API's format too
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    created_at = DateTimeField(read_only=True)
    updated_at = DateTimeField(read_only=True)


class IncidentSerializer(StampedSerializer):
    """An incident as the API shows it; `clocks` are its regulatory deadlines, `links` the ids of what caused
    or explains it."""

    reference = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=IncidentKind.choices, read_only=True)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices, read_only=True)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    owner = serializers.SerializerMethodField()
    assignees = serializers.SerializerMethodField()
    affected_systems = serializers.ListField(child=serializers.CharField(), read_only=True)
    clocks = ClockSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()
    acknowledged_at = DateTimeField(read_only=True, allow_null=True)
    detected_at = DateTimeField(read_only=True)
    aware_at = DateTimeField(read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "kind",
            "severity",
            "status",
            "owner",
            "assignees",
            "guild_id",
            "personal_data_involved",
            "affected_systems",
            "escalation_policy",
            "escalation_level",
            "acknowledged_at",
            "clocks",
            "detected_at",
            "aware_at",
            *RESPONSE_TIMES,
            "reopened_count",
            "declared_by_label",
            "correlation_key",
            "links",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_owner(self, incident: Incident) -> str | None:
        return incident.owner.get_username() if incident.owner_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_assignees(self, incident: Incident) -> list[str]:
        return sorted(user.get_username() for user in incident.assignees.all())

    @extend_schema_field(LinksSerializer)
    def get_links(self, incident: Incident) -> dict[str, list[int]]:
        return {
            name: sorted(row.pk for row in getattr(incident, name).all())
            for name in ("security_alerts", "fraud_cases", "check_runs", "audit_events")
        }


class TimelineEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=TimelineKind.choices, read_only=True)
    occurred_at = DateTimeField(read_only=True)
    data = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "occurred_at", "kind", "actor_label", "message", "data"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_data(self, entry: TimelineEntry) -> dict:
        return entry.data


class IncidentDeclareInput(StrictInputSerializer):
    """Declare an incident; `escalation_policy` is a policy id (empty: the default policy)."""

    title = StrictCharField(max_length=200)
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices)
    personal_data_involved = serializers.BooleanField(required=False, default=False)
    escalation_policy = StrictIntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1
    )
    guild_id = DiscordIdField(required=False, allow_blank=True, default="")
    description = StrictCharField(max_length=10000, required=False, allow_blank=True, default="")
    affected_systems = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, default=list, max_length=50
    )


class IncidentUpdateInput(StrictInputSerializer):
    """At least one field; `owner` and `assignees` are staff usernames (owner null: nobody)."""

    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=10000, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices, required=False)
    personal_data_involved = serializers.BooleanField(required=False)
    guild_id = DiscordIdField(required=False, allow_blank=True)
    affected_systems = serializers.ListField(child=StrictCharField(max_length=100), required=False, max_length=50)
    owner = StrictCharField(max_length=150, required=False, allow_null=True)
    assignees = serializers.ListField(child=StrictCharField(max_length=150), required=False, max_length=50)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError({"non_field_errors": [_("Send at least one field to change.")]})
        return data


class IncidentTransitionInput(StrictInputSerializer):
    """The next status; a reason is required to skip states or to reopen a closed incident."""

    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    reason = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
