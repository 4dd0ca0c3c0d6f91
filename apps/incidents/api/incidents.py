from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.incidents import selectors
from apps.incidents.api.filters import IncidentFilter
from apps.incidents.api.serializers import (
    IncidentDeclareInput,
    IncidentSerializer,
    IncidentTransitionInput,
    IncidentUpdateInput,
    TimelineEntrySerializer,
)
from apps.incidents.services.incidents import incident_declare, incident_transition, incident_update
from apps.incidents.services.validation import staff_by_username


class TimelinePagination(CreatedCursorPagination):
    """A timeline reads oldest first."""

    ordering = "id"


@extend_schema_view(
    list=extend_schema(
        summary="Security incidents, newest first",
        responses={200: IncidentSerializer(many=True), **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Declare an incident (its escalation policy's levels are copied onto it)",
        request=IncidentDeclareInput,
        responses={201: IncidentSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="One incident", responses={200: IncidentSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        summary="Change an incident's fields, owner or assignees (audited, on its timeline)",
        request=IncidentUpdateInput,
        responses={200: IncidentSerializer, **ERROR_RESPONSES},
    ),
    transition=extend_schema(
        summary="Move an incident to another status (skipping states or reopening needs a reason)",
        request=IncidentTransitionInput,
        responses={200: IncidentSerializer, **ERROR_RESPONSES},
    ),
    timeline=extend_schema(
        summary="An incident's timeline, oldest first",
        request=None,
        responses={200: TimelineEntrySerializer(many=True), **ERROR_RESPONSES},
    ),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Incidents across all tenants: platform keys with `incidents:read`; `incidents:write` to change them."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {
        "list": "incidents:read",
        "retrieve": "incidents:read",
        "timeline": "incidents:read",
        "create": "incidents:write",
        "partial_update": "incidents:write",
        "transition": "incidents:write",
    }
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.incident_list()

    def get_object(self):
        return selectors.incident_get(incident_id=int(self.kwargs["pk"]))

    def _shown(self, incident, code: int = status.HTTP_200_OK) -> Response:
        return Response(IncidentSerializer(selectors.incident_get(incident_id=incident.pk)).data, status=code)

    def create(self, request):
        data = IncidentDeclareInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_declare(actor=actor_for_request(request), **data.validated_data)
        return self._shown(incident, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        data = IncidentUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        incident = self.get_object()
        if "owner" in fields:
            owner = fields.pop("owner")
            fields["owner"] = staff_by_username([owner], field="owner")[0] if owner else None
        if "assignees" in fields:
            fields["assignees"] = staff_by_username(fields.pop("assignees"), field="assignees")
        incident = incident_update(incident=incident, actor=actor_for_request(request), **fields)
        return self._shown(incident)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        data = IncidentTransitionInput(data=request.data)
        data.is_valid(raise_exception=True)
        incident = incident_transition(
            incident=self.get_object(), actor=actor_for_request(request), **data.validated_data
        )
        return self._shown(incident)

    @action(detail=True, methods=["get"], pagination_class=TimelinePagination, filterset_class=None)
    def timeline(self, request, pk=None):
        entries = selectors.incident_timeline(incident=self.get_object())
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)
