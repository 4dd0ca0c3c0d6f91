from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.api.schema import ERROR_RESPONSES
from apps.core.errors import ApplicationError
from apps.ml.models import TeamAlias
from apps.ml.nlp.api.serializers import ParseBetInput, ParseBetSerializer
from apps.ml.nlp.services import bet_text_parse
from apps.tenants.viewsets import TenantScopedViewSet


class ParseBetViewSet(TenantScopedViewSet):
    """The bet-text parser over HTTP: a tenant key with `bets:write` (the same as posting the bet)."""

    queryset = TeamAlias.objects.none()
    serializer_class = ParseBetInput
    required_scopes = {"create": "bets:write"}

    @extend_schema(
        summary="Parse a capper's free-text bet into legs, units and confidence (nothing is stored)",
        request=ParseBetInput,
        responses={200: ParseBetSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, guild_id=None):
        data = request.data if isinstance(request.data, dict) else {}
        if "text" not in data:
            message = _("Send the message to parse in the 'text' field.")
            raise ApplicationError(message, code="text_missing", fields={"text": [message]})
        return Response(bet_text_parse(data["text"], tenant=self.tenant))
