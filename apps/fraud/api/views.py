from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.fraud import selectors, services
from apps.fraud.api.filters import FraudCaseFilter
from apps.fraud.api.serializers import FraudCaseSerializer, FraudCaseTriageInput


@extend_schema_view(
    list=extend_schema(
        summary="Fraud cases (betting integrity), newest first",
        responses={200: FraudCaseSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="One fraud case", responses={200: FraudCaseSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        summary="Triage a fraud case: status, assignee, note (audited)",
        request=FraudCaseTriageInput,
        responses={200: FraudCaseSerializer, **ERROR_RESPONSES},
    ),
)
class FraudCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Fraud cases across all tenants: platform keys with `security:read`; `security:write` to triage."""

    serializer_class = FraudCaseSerializer
    filterset_class = FraudCaseFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": "security:read", "retrieve": "security:read", "partial_update": "security:write"}
    lookup_value_regex = "[0-9]{1,18}"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.fraud_case_list()

    def get_object(self):
        return selectors.fraud_case_get(case_id=int(self.kwargs["pk"]))

    def partial_update(self, request, pk=None):
        data = FraudCaseTriageInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        case = services.fraud_case_triage(case=self.get_object(), actor=actor_for_request(request), **fields)
        return Response(FraudCaseSerializer(selectors.fraud_case_get(case_id=case.pk)).data)
