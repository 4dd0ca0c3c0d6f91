"""The privacy API: data-subject requests (platform keys) and members' consents (tenant-scoped).

A platform key files data-subject requests, reads their status, starts the identity verification (it
records that the requester was asked to prove who they are: the bot sends that challenge, nothing is
decided or released) and assigns them. Verifying, completing, rejecting and downloading the export are
a staff person's acts with a second factor, in the portal: those paths stay in the API (the contract
still names them) and answer every key 403 `staff_only` with the portal page to use.
"""

from datetime import date

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.deprecation import Deprecation
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES, ErrorSerializer
from apps.core.api.viewsets import ApiViewSet
from apps.privacy.api.filters import DataSubjectRequestFilter
from apps.privacy.api.serializers import (
    ACTIONS,
    ConsentInput,
    ConsentRecordSerializer,
    DataSubjectRequestSerializer,
    MemberConsentsSerializer,
    RequestAssignInput,
    RequestCompleteInput,
    RequestCreateInput,
    RequestNoteInput,
    RequestRejectInput,
    RequestVerifyInput,
)
from apps.privacy.models import ConsentRecord
from apps.privacy.selectors import consent as consent_selectors
from apps.privacy.selectors import requests as request_selectors
from apps.privacy.services import consent as consent_services
from apps.privacy.services import requests as request_services
from apps.privacy.services.staff import staff_only_error
from apps.tenants.selectors import tenant_get
from apps.tenants.viewsets import TenantScopedViewSet

WRITE_RESPONSES = {
    200: DataSubjectRequestSerializer,
    409: OpenApiResponse(ErrorSerializer, description="Not possible in the request's state (or a legal hold)"),
    **ERROR_RESPONSES,
}


STAFF_RESPONSES = {
    **ERROR_RESPONSES,
    403: OpenApiResponse(
        ErrorSerializer,
        description="Always, for every API key (code `staff_only`): a staff person does this in the portal",
    ),
}

# What an API key may no longer do (four eyes, a second factor): the staff do it in the portal.
STAFF_ACTIONS = {
    "verify": "Verifying the requester's identity",
    "complete": "Completing a data-subject request",
    "reject": "Rejecting a data-subject request",
    "export": "Downloading a data-subject export",
}


# The staff actions' paths answer only 403 since 2026-12-07 (they are staff work in the portal now); they are
# kept so the contract names them, and go away at the sunset. Clients see Deprecation and Sunset headers.
STAFF_ACTIONS_DEPRECATION = Deprecation(date=date(2026, 12, 7), sunset=date(2027, 6, 30), link="/api/docs/")


def _write(summary: str, request_serializer):
    return extend_schema(summary=summary, request=request_serializer, responses=WRITE_RESPONSES)


def _staff_only(summary: str, request_serializer=None):
    return extend_schema(
        summary=f"{summary}: refused to API keys, a staff action in the portal",
        description="Kept so that the contract still names it; every API key gets 403 `staff_only`, whose "
        "message names the portal page where a staff user signed in with a second factor does it.",
        request=request_serializer,
        responses=STAFF_RESPONSES,
        deprecated=True,
    )


class HasScopeUnlessStaffAction(HasRequiredScope):
    """The staff actions answer every authenticated key 403 `staff_only` whatever its scopes, before the
    request is looked up (without a key it stays 401); the other actions need their scope."""

    def has_permission(self, request, view) -> bool:
        doing = STAFF_ACTIONS.get(getattr(view, "action", None) or "")
        if doing is None or request.auth is None:
            return super().has_permission(request, view)
        raise staff_only_error(doing=doing, request_id=view.kwargs.get("pk", ""))


@extend_schema_view(
    list=extend_schema(
        summary="Data-subject requests, newest first",
        responses={200: DataSubjectRequestSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One data-subject request", responses={200: DataSubjectRequestSerializer, **ERROR_RESPONSES}
    ),
    create=extend_schema(
        summary="File a data-subject request (access, portability, erasure, rectification); due in 30 days",
        request=RequestCreateInput,
        responses={201: DataSubjectRequestSerializer, **ERROR_RESPONSES},
    ),
    start_verification=_write(
        "Start verifying the requester's identity (the requester was asked to prove who they are)", RequestNoteInput
    ),  # fmt: skip
    verify=_staff_only("Record how the requester's identity was verified", RequestVerifyInput),
    assign=_write("Assign the request to a staff user (null unassigns)", RequestAssignInput),
    complete=_staff_only("Process and complete the request (export, erasure or rectification)", RequestCompleteInput),
    reject=_staff_only("Reject the request with a reason", RequestRejectInput),
    export=_staff_only("Download the export (zip) of an access or portability request"),
)
class DataSubjectRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Data-subject requests of every tenant: platform keys with `privacy:read` read them, `privacy:write`
    files, starts verification and assigns; the rest is staff work in the portal."""

    serializer_class = DataSubjectRequestSerializer
    filterset_class = DataSubjectRequestFilter
    permission_classes = [HasScopeUnlessStaffAction, IsPlatformKey]
    deprecations = dict.fromkeys(STAFF_ACTIONS, STAFF_ACTIONS_DEPRECATION)
    # the staff actions (STAFF_ACTIONS) need no scope: no key may do them
    required_scopes = {
        "list": "privacy:read",
        "retrieve": "privacy:read",
        "create": "privacy:write",
        "start_verification": "privacy:write",
        "assign": "privacy:write",
    }
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return request_selectors.request_list()

    def get_object(self):
        return request_selectors.request_get(request_id=int(self.kwargs["pk"]))

    def _respond(self, dsr, status_code=status.HTTP_200_OK) -> Response:
        fresh = request_selectors.request_get(request_id=dsr.pk)
        return Response(DataSubjectRequestSerializer(fresh).data, status=status_code)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    def create(self, request):
        data = self._input(RequestCreateInput)
        tenant = tenant_get(guild_id=data["guild_id"])
        member = request_selectors.member_for_request(tenant=tenant, discord_user_id=data["discord_user_id"])
        dsr = request_services.request_receive(
            actor=actor_for_request(request),
            member=member,
            kind=data["kind"],
            details=data["details"],
            requested_by_key=request.auth,
        )
        return self._respond(dsr, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="start-verification")
    def start_verification(self, request, pk=None):
        data = self._input(RequestNoteInput)
        dsr = request_services.request_start_verification(
            request=self.get_object(), actor=actor_for_request(request), **data
        )
        return self._respond(dsr)

    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        raise staff_only_error(doing=STAFF_ACTIONS["verify"], request_id=pk)

    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._input(RequestAssignInput)
        dsr = request_services.request_assign(request=self.get_object(), actor=actor_for_request(request), **data)
        return self._respond(dsr)

    # staff actions: the permission refuses them first; the bodies refuse too, whatever the permissions say
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        raise staff_only_error(doing=STAFF_ACTIONS["complete"], request_id=pk)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        raise staff_only_error(doing=STAFF_ACTIONS["reject"], request_id=pk)

    @action(detail=True, methods=["get"], url_path="export", url_name="export")
    def export(self, request, pk=None):
        raise staff_only_error(doing=STAFF_ACTIONS["export"], request_id=pk)


@extend_schema_view(
    list=extend_schema(
        summary="A member's consents: the current state per consent type and the full history",
        responses={200: MemberConsentsSerializer, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Grant or withdraw a member's consent (append-only history; a repeat changes nothing)",
        request=ConsentInput,
        responses={201: ConsentRecordSerializer, 200: ConsentRecordSerializer, **ERROR_RESPONSES},
    ),
)
class MemberConsentViewSet(TenantScopedViewSet):
    """Consents of one member of a tenant: `members:read` to read, `members:write` to grant or withdraw."""

    serializer_class = ConsentRecordSerializer
    required_scopes = {"list": "members:read", "create": "members:write"}
    queryset = ConsentRecord.objects.none()

    def _member(self):
        return request_selectors.member_for_request(tenant=self.tenant, discord_user_id=self.kwargs["discord_user_id"])

    def tenant_queryset(self):
        return consent_selectors.consent_history(member=self._member())

    def list(self, request, guild_id=None, discord_user_id=None):
        member = self._member()
        history = list(consent_selectors.consent_history(member=member))
        body = {
            "current": consent_selectors.consent_current(member=member, history=history),
            "history": history,
        }
        return Response(MemberConsentsSerializer(body).data)

    def create(self, request, guild_id=None, discord_user_id=None):
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        record, created = consent_services.consent_record(
            member=self._member(),
            actor=actor_for_request(request),
            code=data.validated_data["consent_type"],
            action=ACTIONS[data.validated_data["action"]],
            source=data.validated_data["source"],
        )
        return Response(
            ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
