"""URLs of the service registry (included by apps/integration/api/urls.py under /api/v1/)."""

from django.urls import path

from apps.integration.registry.views import RegistryView

urlpatterns: list = [path("registry/", RegistryView.as_view(), name="integration-registry")]
