"""Routes of the incidents API under /api/v1/incidents/."""

from rest_framework.routers import SimpleRouter

from apps.incidents.api.escalation import EscalationPolicyViewSet, IncidentEscalationViewSet
from apps.incidents.api.incidents import IncidentViewSet

router = SimpleRouter()
# before the incidents' own routes: "escalation-policies" is not an incident id
router.register("incidents/escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("incidents", IncidentEscalationViewSet, basename="incident-escalation")

urlpatterns = router.urls
