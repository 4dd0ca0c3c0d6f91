"""Routes of the incidents API under /api/v1/incidents/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.incidents.api.escalation import EscalationPolicyViewSet, IncidentEscalationViewSet
from apps.incidents.api.evidence import IncidentEvidenceViewSet
from apps.incidents.api.incidents import IncidentViewSet
from apps.incidents.api.reviews import IncidentReviewViewSet

router = SimpleRouter()
# before the incidents' own routes: "escalation-policies" is not an incident id
router.register("incidents/escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("incidents", IncidentEscalationViewSet, basename="incident-escalation")

evidence_list = IncidentEvidenceViewSet.as_view({"get": "list", "post": "create"})
evidence_download = IncidentEvidenceViewSet.as_view({"get": "download"})
evidence_custody = IncidentEvidenceViewSet.as_view({"get": "custody"})
review_detail = IncidentReviewViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    *router.urls,
    path("incidents/<int:incident_id>/evidence/", evidence_list, name="incident-evidence-list"),
    path(
        "incidents/<int:incident_id>/evidence/<int:evidence_id>/download/",
        evidence_download,
        name="incident-evidence-download",
    ),
    path(
        "incidents/<int:incident_id>/evidence/<int:evidence_id>/custody/",
        evidence_custody,
        name="incident-evidence-custody",
    ),
    path("incidents/<int:incident_id>/review/", review_detail, name="incident-review"),
]
