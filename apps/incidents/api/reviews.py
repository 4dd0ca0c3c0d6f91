"""API of the post-incident review (issue #13 item 8): GET …/incidents/{id}/review/ (platform keys with
`incidents:read`), the same JSON the export gives (services/review_exports.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import NotFoundError
from apps.incidents.api.common import incident_or_404, incident_scopes
from apps.incidents.models import Review
from apps.incidents.services.reviews import review_json


class IncidentReviewViewSet(ApiViewSet):
    """The review of one incident (generated when it closes)."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = incident_scopes(read=("retrieve",))
    queryset = Review.objects.none()  # the schema's model
    pagination_class = None

    @extend_schema(
        summary="The incident's post-incident review (durations, actions, impact, findings, follow-ups)",
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    def retrieve(self, request, incident_id=None):
        incident = incident_or_404(incident_id)
        review = Review.objects.filter(incident=incident).select_related("incident__owner", "approved_by").first()
        if review is None:
            raise NotFoundError(
                _("%(reference)s has no review yet: it is generated when the incident closes.")
                % {"reference": incident.reference}
            )
        return Response(review_json(review))
