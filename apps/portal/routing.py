from django.urls import path

from apps.portal.consumers import DashboardConsumer, IncidentsConsumer

websocket_urlpatterns = [
    path("ws/portal/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/portal/incidents/", IncidentsConsumer.as_asgi()),
    path("ws/portal/incidents/<int:incident_id>/", IncidentsConsumer.as_asgi()),
]
