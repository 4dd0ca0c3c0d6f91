from django.urls import re_path

from apps.ml.nlp.api.views import ParseBetViewSet

urlpatterns = [
    re_path(
        r"^tenants/(?P<guild_id>[0-9]+)/nlp/parse-bet/$",
        ParseBetViewSet.as_view({"post": "create"}),
        name="nlp-parse-bet",
    ),
]
