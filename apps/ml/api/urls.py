"""Routes of the ml API under /api/v1/ (one include line per area)."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.ml.api.vision_urls")),
]
