from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.viewsets import ApiViewSet
from apps.incidents import selectors
from apps.incidents.api.common import documented, incident_scopes
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
    list=documented("Security incidents, newest first", IncidentSerializer(many=True)),
    create=documented(
        "Declare an incident (its escalation policy's levels are copied onto it)",
        IncidentSerializer,
        request=IncidentDeclareInput,
        code=201,
    ),
    retrieve=documented("One incident", IncidentSerializer),
    partial_update=documented(
        "Change an incident's fields, owner or assignees (audited, on its timeline)",
        IncidentSerializer,
        request=IncidentUpdateInput,
    ),
    transition=documented(
        "Move an incident to another status (skipping states or reopening needs a reason)",
        IncidentSerializer,
        request=IncidentTransitionInput,
    ),
    timeline=documented("An incident's timeline, oldest first", TimelineEntrySerializer(many=True), request=None),
)
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Incidents across all tenants: platform keys with `incidents:read`; `incidents:write` to change them."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = incident_scopes(
        read=("list", "retrieve", "timeline"), write=("create", "partial_update", "transition")
    )
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
