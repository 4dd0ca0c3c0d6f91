from rest_framework.routers import SimpleRouter

from apps.incidents.api.escalation import EscalationPolicyViewSet, IncidentEscalationViewSet

router = SimpleRouter()
# before the incidents' own routes: "escalation-policies" is not an incident id
router.register("incidents/escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("incidents", IncidentEscalationViewSet, basename="incident-escalation")

urlpatterns = router.urls
