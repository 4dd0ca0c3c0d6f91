"""`GET /api/v1/tenants/{guild_id}/cappers/{discord_user_id}/skill/`: skill or luck (tenant keys with bets:read)."""

from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.betting import selectors as betting_selectors
from apps.betting.models import Capper
from apps.core.api.schema import ERROR_RESPONSES
from apps.ml.predictive.skill import capper_skill_get
from apps.tenants.viewsets import TenantScopedViewSet


class SkillPriorSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=["model", "tenant", "default"],
        help_text="model: the capper_skill champion; tenant: fitted across this tenant's cappers; default: "
        "N(0, 0.03^2) while fewer than two cappers have decided legs",
    )
    model_version = serializers.IntegerField(allow_null=True)
    mean = serializers.FloatField()
    variance = serializers.FloatField()


class CapperSkillSerializer(serializers.Serializer):
    discord_user_id = serializers.CharField()
    display_name = serializers.CharField()
    edge = serializers.FloatField(help_text="Shrunk win rate above the break-even probability of the prices taken")
    interval = serializers.ListField(child=serializers.FloatField(), help_text="90% credible interval [low, high]")
    probability_positive = serializers.FloatField(help_text="P(edge > 0)")
    raw_edge = serializers.FloatField(allow_null=True, help_text="The unshrunk record's edge (null without legs)")
    legs = serializers.IntegerField(help_text="Decided (won or lost) legs")
    label = serializers.ChoiceField(choices=["skill", "luck", "not enough data"])
    credible_level = serializers.FloatField()
    label_rule = serializers.CharField()
    prior = SkillPriorSerializer()


class CapperSkillViewSet(TenantScopedViewSet):
    serializer_class = CapperSkillSerializer
    queryset = Capper.objects.none()
    pagination_class = None
    required_scopes = {"retrieve": "bets:read"}

    @extend_schema(
        summary="Skill or luck: a capper's shrunk edge with a 90% credible interval",
        responses={200: CapperSkillSerializer, **ERROR_RESPONSES},
    )
    def retrieve(self, request, guild_id=None, discord_user_id=None):
        capper = betting_selectors.capper_get(tenant=self.tenant, discord_user_id=discord_user_id)
        return Response(CapperSkillSerializer(capper_skill_get(tenant=self.tenant, capper=capper)).data)


urlpatterns = [
    re_path(
        r"^tenants/(?P<guild_id>[0-9]+)/cappers/(?P<discord_user_id>[0-9]+)/skill/$",
        CapperSkillViewSet.as_view({"get": "retrieve"}),
        name="capper-skill",
    ),
]
