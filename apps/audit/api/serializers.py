from rest_framework import serializers

from apps.audit.hashing import HASHED_FIELDS
from apps.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        # what the content hash covers, so that a reader can recompute it, with the id and the hash itself
        fields = ["id", *HASHED_FIELDS, "content_hash"]
        read_only_fields = fields


PLATFORM_STAFF_LABEL = "platform staff"
PLATFORM_LABEL = "platform"


class TenantAuditEventSerializer(AuditEventSerializer):
    """An event as a tenant key reads it: the platform's own actors are not the tenant's business.

    A staff user becomes "platform staff", a platform key (or another tenant's) "platform", both
    without identifier; a system actor shows only its process name (its identifier: an anonymous
    actor's label may be a typed username). None of them keeps an address or a request id. The tenant's
    own keys (`own_key_ids` in the context) stay as recorded: the tenant knows them already.
    """

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["actor_kind"] == "api_key" and data["actor_identifier"] in self.context.get("own_key_ids", ()):
            return data
        if data["actor_kind"] == "system":
            data["actor_label"] = data["actor_identifier"]
        else:
            data["actor_label"] = PLATFORM_STAFF_LABEL if data["actor_kind"] == "user" else PLATFORM_LABEL
            data["actor_identifier"] = ""
        data["ip_address"] = None
        data["request_id"] = ""
        return data
