"""The integration app's API under /api/v1/: each area brings its own URL module."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.integration.webhooks.urls")),
    path("", include("apps.integration.feeds.urls")),
    path("", include("apps.integration.registry.urls")),
    path("", include("apps.integration.api.management_urls")),
]
