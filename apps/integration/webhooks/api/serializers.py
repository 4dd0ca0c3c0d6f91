"""Shapes of the webhook subscriptions API: strict inputs, and outputs that never show a secret after creation."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.api.serializers import StrictCharField, StrictInputSerializer
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import Delivery, WebhookEndpoint

SUBSCRIBABLE = [choice for choice in WebhookEventType.values if choice != WebhookEventType.TEST]


class StrictBooleanField(serializers.BooleanField):
    """true or false, and only a JSON boolean (not "yes", not 1)."""

    default_error_messages = {"not_a_boolean": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class EventTypesField(serializers.ListField):
    child = serializers.ChoiceField(choices=SUBSCRIBABLE)

    def __init__(self, **kwargs):
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("max_length", len(SUBSCRIBABLE))
        kwargs.setdefault("help_text", "The event types to receive: " + ", ".join(SUBSCRIBABLE) + ".")
        super().__init__(**kwargs)


class WebhookCreateInput(StrictInputSerializer):
    name = StrictCharField(max_length=100)
    url = serializers.URLField(max_length=500, help_text="http(s) URL of a public address (the SSRF guard).")
    event_types = EventTypesField()
    description = StrictCharField(max_length=300, required=False, allow_blank=True, default="")


class WebhookUpdateInput(StrictInputSerializer):
    name = StrictCharField(max_length=100, required=False)
    url = serializers.URLField(max_length=500, required=False)
    event_types = EventTypesField(required=False)
    description = StrictCharField(max_length=300, required=False, allow_blank=True)
    is_active = StrictBooleanField(required=False, help_text="true re-enables an auto-disabled endpoint.")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send at least one field to change."))
        return attrs


class WebhookSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(source="event_kinds", child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "name", "description", "url", "event_types", "is_active", "consecutive_failures",
            "disabled_at", "disabled_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="whsec_…: verify signatures with it. Shown in this response only.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="key", help_text="The `webhook-id` header: the same on every attempt.")
    event_type = serializers.CharField(source="notification.kind")
    status = serializers.CharField(
        help_text="queued, failed (retried later), delivered, or dead_letter (every attempt failed: replay it)."
    )
    data = serializers.JSONField(source="notification.payload")

    class Meta:
        model = Delivery
        fields = [
            "id", "webhook_id", "event_type", "status", "attempts", "replays", "response_status", "last_error",
            "next_attempt_at", "sent_at", "created_at", "data",
        ]  # fmt: skip
        read_only_fields = fields
