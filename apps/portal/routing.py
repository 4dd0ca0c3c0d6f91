from django.urls import path

from apps.portal.consumers import AnalyticsDashboardConsumer, DashboardConsumer, IncidentsConsumer

websocket_urlpatterns = [
    path("ws/portal/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/portal/incidents/", IncidentsConsumer.as_asgi()),
    path("ws/portal/incidents/<int:incident_id>/", IncidentsConsumer.as_asgi()),
    path("ws/portal/analytics/<int:dashboard_id>/", AnalyticsDashboardConsumer.as_asgi()),
]
