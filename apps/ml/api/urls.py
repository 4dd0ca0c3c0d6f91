"""Routes of the ml API under /api/v1/ (one include line per area)."""

from apps.ml.api import skill as mlmodels_skill  # mlmodels: capper skill

urlpatterns = []
urlpatterns += mlmodels_skill.urlpatterns  # mlmodels: GET tenants/{guild_id}/cappers/{id}/skill/
