from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import StrictCharField, StrictInputSerializer
from apps.security.choices import AlertStatus
from apps.security.models import Alert, AlertActivity, SecurityEvent


class SecurityEventSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="event_type")

    class Meta:
        model = SecurityEvent
        fields = [
            "id",
            "occurred_at",
            "type",
            "actor_kind",
            "actor_identifier",
            "actor_label",
            "guild_id",
            "ip_address",
            "user_agent",
            "request_id",
            "details",
            "risk_score",
        ]
        read_only_fields = fields


class AlertActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertActivity
        fields = ["occurred_at", "actor_kind", "actor_label", "action", "from_status", "to_status", "note", "details"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.slug")
    assignee = serializers.SerializerMethodField()
    event_ids = serializers.SerializerMethodField()
    history = AlertActivitySerializer(source="activities", many=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "title",
            "rule",
            "rule_version",
            "severity",
            "status",
            "assignee",
            "group_key",
            "guild_id",
            "details",
            "compliance_requirements",
            "detection_count",
            "first_seen_at",
            "last_seen_at",
            "event_ids",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_assignee(self, alert: Alert) -> str | None:
        return alert.assignee.get_username() if alert.assignee else None

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_event_ids(self, alert: Alert) -> list[int]:
        # the events are prefetched for the page by the view; ordered by time for the reader
        return [event.pk for event in sorted(alert.events.all(), key=lambda event: (event.occurred_at, event.pk))]


class AlertTriageInput(StrictInputSerializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)
    assignee = StrictCharField(max_length=150, required=False, allow_null=True)
    note = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
