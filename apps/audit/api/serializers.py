from rest_framework import serializers

from apps.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_kind",
            "actor_identifier",
            "actor_label",
            "guild_id",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "changes",
            "reason",
            "request_id",
            "ip_address",
            "content_hash",
        ]
        read_only_fields = fields
