from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from apps.accounts import services
from apps.accounts.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateInput,
    ApiKeySerializer,
    MemberCreateInput,
    MemberDetailSerializer,
    MemberEmailQuery,
    MemberSerializer,
    MemberUpdateInput,
)
from apps.accounts.models import ApiKey, Member
from apps.accounts.selectors import api_key_list, member_get, member_list
from apps.accounts.signals import personal_data_viewed
from apps.core.actors import actor_for_request
from apps.core.api.schema import ERROR_RESPONSES, ErrorSerializer
from apps.core.api.serializers import OptionalReasonInput
from apps.core.errors import NotFoundError
from apps.tenants.viewsets import TenantScopedViewSet


@extend_schema_view(
    list=extend_schema(summary="A tenant's API keys", responses={200: ApiKeySerializer(many=True), **ERROR_RESPONSES}),
    create=extend_schema(
        summary="Create a tenant API key within the calling key's own scopes and expiry; the secret is in this "
        "response only",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedSerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        summary="Revoke a tenant API key and every key minted from it",
        request=OptionalReasonInput,
        responses={204: OpenApiResponse(description="Revoked"), **ERROR_RESPONSES},
    ),
)
class TenantApiKeyViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Keys of one tenant: platform keys or the tenant's own keys with `tenants:admin`."""

    serializer_class = ApiKeySerializer
    lookup_field = "prefix"
    lookup_value_regex = "[a-z0-9_]+"
    required_scopes = {"list": "tenants:admin", "create": "tenants:admin", "destroy": "tenants:admin"}

    queryset = ApiKey.objects.none()

    def tenant_queryset(self):
        return api_key_list(tenant=self.tenant)

    def create(self, request, guild_id=None):
        data = ApiKeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        # every key mints within its own grant, platform keys included (apps/accounts/key_policy.py)
        api_key, secret = services.api_key_create(
            actor=actor_for_request(request), tenant=self.tenant, granting_key=request.auth, **data.validated_data
        )
        api_key.key = secret
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, guild_id=None, prefix=None):
        data = OptionalReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_key = get_object_or_404(self.get_queryset(), prefix=prefix)
        services.api_key_revoke(api_key=api_key, actor=actor_for_request(request), **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


_EMAIL_PARAMETER = OpenApiParameter(
    "email",
    str,
    description="Exact email (case-insensitive), matched through its blind index; the email is "
    "stored encrypted and cannot be searched by part.",
)


@extend_schema_view(
    list=extend_schema(
        summary="A tenant's members (personal fields decrypted; notes only on a member's own page)",
        parameters=[_EMAIL_PARAMETER],
        responses={200: MemberSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One member, with notes when this server holds the restricted key",
        responses={200: MemberDetailSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Register a Discord user as a member of the tenant",
        request=MemberCreateInput,
        responses={
            201: MemberDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The Discord user is already a member"),
            **ERROR_RESPONSES,
        },
    ),
    partial_update=extend_schema(
        summary="Change a member's profile (only the fields sent)",
        request=MemberUpdateInput,
        responses={200: MemberDetailSerializer, **ERROR_RESPONSES},
    ),
)
class MemberViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Members of one tenant. Email, date of birth and notes are encrypted at rest (apps/keyring);
    responses carry them decrypted, and every write leaves an audit record without their values."""

    serializer_class = MemberSerializer
    queryset = Member.objects.none()
    lookup_field = "discord_user_id"
    lookup_value_regex = "[0-9]+"
    required_scopes = {
        "list": "members:read",
        "retrieve": "members:read",
        "create": "members:write",
        "partial_update": "members:write",
    }

    def tenant_queryset(self):
        email = self.request.query_params.get("email")
        if email is not None:
            data = MemberEmailQuery(data={"email": email})
            data.is_valid(raise_exception=True)
            email = data.validated_data["email"]
        return member_list(tenant=self.tenant, email=email).defer("notes")

    def _member(self, discord_user_id: str) -> Member:
        member = member_get(tenant=self.tenant, discord_user_id=discord_user_id)
        if member is None:
            raise NotFoundError(
                _("No member with Discord user id %(discord_user_id)s in this tenant.")
                % {"discord_user_id": discord_user_id},
                code="not_found",
            )
        return member

    def _detail(self, request, member: Member, status_code: int = status.HTTP_200_OK) -> Response:
        personal_data_viewed.send(
            sender=Member,
            actor=actor_for_request(request),
            subject_type="accounts.member",
            subject_id=str(member.pk),
            guild_id=self.tenant.guild_id,
            fields=["email", "date_of_birth", "notes"],
        )
        return Response(MemberDetailSerializer(member).data, status=status_code)

    def retrieve(self, request, guild_id=None, discord_user_id=None):
        return self._detail(request, self._member(discord_user_id))

    def create(self, request, guild_id=None):
        data = MemberCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_create(actor=actor_for_request(request), tenant=self.tenant, **data.validated_data)
        return Response(MemberDetailSerializer(member).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, guild_id=None, discord_user_id=None):
        member = self._member(discord_user_id)
        data = MemberUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_update(member=member, actor=actor_for_request(request), **data.validated_data)
        return Response(MemberDetailSerializer(member).data)
