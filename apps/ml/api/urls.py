"""Routes of the ml API under /api/v1/ (one include line per area)."""

from django.urls import include, path

urlpatterns = [
    path("", include("apps.ml.api.registry_urls")),
    path("", include("apps.ml.api.skill")),  # mlmodels: GET tenants/{guild_id}/cappers/{id}/skill/
    path("", include("apps.ml.nlp.api.urls")),  # nlp: POST tenants/{guild_id}/nlp/parse-bet/
    path("", include("apps.ml.experiments.api.urls")),  # experiments and bandit outcomes
    path("", include("apps.ml.api.vision_urls")),  # ocr: POST tenants/{guild_id}/vision/bet-slip/
]
