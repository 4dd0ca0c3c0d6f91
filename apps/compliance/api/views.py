"""The compliance API: frameworks with scores, their requirements with statuses, and check runs."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance import selectors
from apps.compliance.api.filters import CheckRunFilter
from apps.compliance.api.serializers import CheckRunSerializer, FrameworkSerializer, RequirementSerializer
from apps.compliance.models import Framework
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import NotFoundError

READ = "compliance:read"


def _framework_not_found(framework_id: str) -> NotFoundError:
    return NotFoundError(
        _("No framework %(framework_id)r; list them at /api/v1/compliance/frameworks/.")
        % {"framework_id": framework_id}
    )


def _framework_row(framework_id: str) -> dict:
    rows = selectors.framework_scores(framework_id=framework_id)
    if not rows:
        raise _framework_not_found(framework_id)
    return rows[0]


@extend_schema_view(
    list=extend_schema(
        summary="Frameworks with their score and requirement counts",
        responses={200: FrameworkSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="One framework", responses={200: FrameworkSerializer, **ERROR_RESPONSES}),
    requirements=extend_schema(
        summary="A framework's requirements (catalogue order) with status and latest check results",
        responses={200: RequirementSerializer(many=True), **ERROR_RESPONSES},
    ),
)
class FrameworkViewSet(ApiViewSet):
    """Platform keys with `compliance:read`. Scores follow the rule in apps/compliance/selectors.py."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": READ, "retrieve": READ, "requirements": READ}
    serializer_class = FrameworkSerializer
    queryset = Framework.objects.none()  # the schema's path parameter type; reads go through the selectors
    pagination_class = None  # a handful of frameworks
    lookup_value_regex = "[a-z0-9_-]{1,64}"
    http_method_names = ["get", "head", "options"]

    def list(self, request):
        return Response(FrameworkSerializer(selectors.framework_scores(), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(FrameworkSerializer(_framework_row(pk)).data)

    @action(detail=True, methods=["get"])
    def requirements(self, request, pk=None):
        if not Framework.objects.filter(pk=pk).exists():
            raise _framework_not_found(pk)
        states = selectors.requirement_statuses(framework_id=pk)
        return Response(RequirementSerializer(states, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Check runs, newest first (filter by check and status)",
        responses={200: CheckRunSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One check run with its evidence", responses={200: CheckRunSerializer, **ERROR_RESPONSES}
    ),
)
class CheckRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Platform keys with `compliance:read`."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": READ, "retrieve": READ}
    serializer_class = CheckRunSerializer
    filterset_class = CheckRunFilter
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return selectors.check_run_list()
