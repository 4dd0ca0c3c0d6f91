"""/api/v1/tenants/{guild_id}/webhooks/…: a tenant's subscriptions, their deliveries and replays
(tenant keys with `webhooks:admin`; another tenant's webhook or delivery id is a 404)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.schema import ERROR_RESPONSES, ErrorSerializer
from apps.integration.webhooks import selectors, services
from apps.integration.webhooks.api.serializers import (
    WebhookCreatedSerializer,
    WebhookCreateInput,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateInput,
)
from apps.notifications.models import WebhookEndpoint
from apps.tenants.viewsets import TenantScopedViewSet

SCOPE = "webhooks:admin"
CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="The endpoint is disabled, or the delivery is pending")}
QUOTA = {
    403: OpenApiResponse(
        ErrorSerializer,
        description="The key lacks the scope, the tenant is suspended, or the plan's `webhooks` quota is used up "
        "(code `plan_quota_exceeded`)",
    )
}


def _renamed(data: dict) -> dict:
    if "event_types" in data:
        data["event_kinds"] = data.pop("event_types")
    return data


@extend_schema_view(
    list=extend_schema(
        summary="The tenant's webhook subscriptions", responses={200: WebhookSerializer(many=True), **ERROR_RESPONSES}
    ),
    create=extend_schema(
        summary="Subscribe a URL to event types; the signing secret is in this response only",
        request=WebhookCreateInput,
        responses={201: WebhookCreatedSerializer, **ERROR_RESPONSES, **QUOTA},
    ),
    partial_update=extend_schema(
        summary="Change a subscription (is_active=true re-enables an auto-disabled one)",
        request=WebhookUpdateInput,
        responses={200: WebhookSerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        summary="Delete a subscription (its delivery log stays)",
        request=None,
        responses={204: OpenApiResponse(description="Deleted"), **ERROR_RESPONSES},
    ),
)
class WebhookViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    serializer_class = WebhookSerializer
    queryset = WebhookEndpoint.objects.none()
    lookup_value_regex = "[0-9]{1,18}"
    required_scopes = dict.fromkeys(
        ("list", "create", "partial_update", "destroy", "test", "deliveries", "replay"), SCOPE
    )

    def tenant_queryset(self):
        return selectors.webhook_subscriptions(tenant=self.tenant)

    def _endpoint(self, pk) -> WebhookEndpoint:
        return selectors.webhook_subscription_get(tenant=self.tenant, webhook_id=int(pk))

    def create(self, request, guild_id=None):
        data = WebhookCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_subscription_create(
            tenant=self.tenant, actor=actor_for_request(request), **_renamed(dict(data.validated_data))
        )
        return Response(WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, guild_id=None, pk=None):
        endpoint = self._endpoint(pk)
        data = WebhookUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_subscription_update(
            endpoint=endpoint, actor=actor_for_request(request), **_renamed(dict(data.validated_data))
        )
        return Response(WebhookSerializer(endpoint).data)

    def destroy(self, request, guild_id=None, pk=None):
        services.webhook_subscription_delete(endpoint=self._endpoint(pk), actor=actor_for_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a signed `webhook.test` event to this endpoint now",
        request=None,
        responses={202: WebhookDeliverySerializer, **ERROR_RESPONSES, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, guild_id=None, pk=None):
        delivery = services.webhook_subscription_test(endpoint=self._endpoint(pk), actor=actor_for_request(request))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="The endpoint's deliveries, newest first",
        responses={200: WebhookDeliverySerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, guild_id=None, pk=None):
        page = self.paginate_queryset(selectors.webhook_deliveries(endpoint=self._endpoint(pk)))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a dead-lettered (or delivered) delivery again now, with the same webhook-id",
        request=None,
        responses={202: WebhookDeliverySerializer, **ERROR_RESPONSES, **CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/replay")
    def replay(self, request, guild_id=None, pk=None, delivery_id=None):
        delivery = selectors.webhook_delivery_get(endpoint=self._endpoint(pk), delivery_id=int(delivery_id))
        delivery = services.webhook_delivery_replay_request(delivery=delivery, actor=actor_for_request(request))
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
