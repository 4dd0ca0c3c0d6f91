from django.urls import path

from apps.portal.consumers import DashboardConsumer

websocket_urlpatterns = [path("ws/portal/dashboard/", DashboardConsumer.as_asgi())]
