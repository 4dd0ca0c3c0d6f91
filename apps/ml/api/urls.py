"""Routes of the ml API under /api/v1/ (one include line per area)."""

from django.urls import include, path

urlpatterns = []
urlpatterns += [path("", include("apps.ml.nlp.api.urls"))]  # nlp
urlpatterns += [path("", include("apps.ml.api.vision_urls"))]  # ocr
